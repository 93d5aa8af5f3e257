using System.Globalization;
using System.Text.Json;
using RedundantGateway.Client;

namespace RedundantGateway.Cli;

/// <summary>
/// A node's JSON answer as aligned text, driven by the command's <see cref="CliOutput"/>: a table of the rows it
/// names, else one line per field (nested objects as dotted names). Fields the CLI does not know are shown like any
/// other: a newer node's answer needs no newer CLI.
/// </summary>
public static class AnswerFormatter
{
    public static string Format(JsonElement answer, CliOutput? output)
    {
        if (Rows(answer, output) is { } rows) return Table(rows, output?.Columns, output?.CountLabel);
        if (answer.ValueKind == JsonValueKind.Object)
        {
            // An action's answer ({ accepted, message } or an edit's { path, revision, message }): its sentence says it all.
            if (answer.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && answer.EnumerateObject().Count() <= 3)
                return message.GetString() + "\n";
            var lines = new List<(string, string)>();
            Flatten(answer, "", lines);
            return TextTable.KeyValues(lines);
        }
        return Cell(answer) + "\n";
    }

    /// <summary>The rows named by <see cref="CliOutput.Items"/>, when the answer has them as an array.</summary>
    public static IReadOnlyList<JsonElement>? Rows(JsonElement answer, CliOutput? output)
    {
        if (output?.Items is not { } items) return null;
        var array = answer;
        if (items.Length > 0)
        {
            if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty(items, out array)) return null;
        }
        return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().ToList() : null;
    }

    public static string Table(IReadOnlyList<JsonElement> rows, IReadOnlyList<string>? columns, string? countLabel)
    {
        var names = columns is { Count: > 0 } ? columns : ScalarNames(rows);
        var table = new List<IReadOnlyList<string>>(rows.Count + 1) { names.ToList() };
        table.AddRange(rows.Select(row => Row(row, names)));
        var text = rows.Count == 0 ? "" : TextTable.Rows(table);
        if (countLabel is not null) text += $"{rows.Count.ToString(CultureInfo.InvariantCulture)} {countLabel}\n";
        else if (rows.Count == 0) text += "(none)\n";
        return text;
    }

    /// <summary>One row's cells in the order of <paramref name="columns"/>; '-' for a field the row lacks.</summary>
    public static IReadOnlyList<string> Row(JsonElement row, IReadOnlyList<string> columns) =>
        row.ValueKind != JsonValueKind.Object ? [Cell(row)] : columns.Select(c => row.ValueKind == JsonValueKind.Object && row.TryGetProperty(c, out var v) ? Cell(v) : "-").ToList();

    /// <summary>A value in one cell: strings as they are, arrays of scalars as [a,b], objects as compact JSON, null as '-'.</summary>
    public static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        JsonValueKind.String => OneLine(value.GetString()!),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array when value.EnumerateArray().All(IsScalar) => "[" + string.Join(",", value.EnumerateArray().Select(Cell)) + "]",
        _ => value.GetRawText(),
    };

    private static void Flatten(JsonElement element, string prefix, List<(string, string)> lines)
    {
        foreach (var property in element.EnumerateObject())
        {
            var name = prefix + property.Name;
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any()) Flatten(value, name + ".", lines);
            else if (value.ValueKind == JsonValueKind.Array && !value.EnumerateArray().All(IsScalar))
            {
                // Lists of objects (subsystems): one line each, "name: field=value ...".
                var index = 0;
                foreach (var item in value.EnumerateArray())
                    lines.Add(($"{name}[{index++}]", item.ValueKind == JsonValueKind.Object
                        ? string.Join(" ", item.EnumerateObject().Select(p => $"{p.Name}={Cell(p.Value)}"))
                        : Cell(item)));
                if (index == 0) lines.Add((name, "[]"));
            }
            else lines.Add((name, Cell(value)));
        }
    }

    private static IReadOnlyList<string> ScalarNames(IReadOnlyList<JsonElement> rows) =>
        rows.Count > 0 && rows[0].ValueKind == JsonValueKind.Object
            ? rows[0].EnumerateObject().Where(p => IsScalar(p.Value)).Select(p => p.Name).ToList()
            : ["value"];

    private static bool IsScalar(JsonElement value) => value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
