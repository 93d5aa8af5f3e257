using System.Text;

namespace RedundantGateway.Cli;

/// <summary>Aligned plain text: key/value lines and tables whose columns line up (the last column is not padded).</summary>
public static class TextTable
{
    public static string KeyValues(IReadOnlyList<(string Key, string Value)> lines)
    {
        if (lines.Count == 0) return "";
        var width = lines.Max(l => l.Key.Length);
        var text = new StringBuilder();
        foreach (var (key, value) in lines) text.Append(key.PadRight(width)).Append("  ").Append(value).Append('\n');
        return text.ToString();
    }

    public static string Rows(IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (rows.Count == 0) return "";
        var columns = rows.Max(r => r.Count);
        var widths = new int[columns];
        foreach (var row in rows)
            for (var i = 0; i < row.Count; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Count; i++)
            {
                if (i > 0) text.Append("  ");
                text.Append(i == row.Count - 1 ? row[i] : row[i].PadRight(widths[i]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
