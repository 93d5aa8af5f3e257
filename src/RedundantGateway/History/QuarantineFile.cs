using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RedundantGateway.Tags;

namespace RedundantGateway.History;

/// <summary>A sample the database refused, kept with the reason until an operator retries it.</summary>
public sealed record QuarantinedSample(long Id, DateTimeOffset At, string Reason, HistorySample Sample);

/// <summary>
/// The durable quarantine of refused samples: one JSON line each in <c>quarantine.jsonl</c> beside the cache, fsynced
/// before the batch they came in is released. A line that cannot be read (a torn last line after a crash) is skipped
/// with a warning. Not thread-safe: one owner (the HistoryCache actor).
/// </summary>
public sealed class QuarantineFile
{
    private const string FileName = "quarantine.jsonl";
    // A refused value may be NaN or infinite (a reason to refuse it): written as "NaN", "Infinity".
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly string _path;
    private readonly List<QuarantinedSample> _entries = [];
    private long _nextId = 1;

    private QuarantineFile(string path) => _path = path;

    public int Count => _entries.Count;

    public IReadOnlyList<QuarantinedSample> Entries => _entries;

    public static QuarantineFile Open(string directory, out IReadOnlyList<string> warnings)
    {
        Directory.CreateDirectory(directory);
        var quarantine = new QuarantineFile(Path.Combine(directory, FileName));
        var found = new List<string>();
        if (File.Exists(quarantine._path))
        {
            var number = 0;
            foreach (var line in File.ReadLines(quarantine._path))
            {
                number++;
                if (line.Length == 0) continue;
                try
                {
                    var entry = FromLine(line);
                    quarantine._entries.Add(entry);
                    quarantine._nextId = Math.Max(quarantine._nextId, entry.Id + 1);
                }
                catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
                {
                    found.Add($"history quarantine line {number} cannot be read ({e.Message.Split('\n')[0]}); skipped");
                }
            }
        }
        warnings = found;
        return quarantine;
    }

    /// <summary>Adds the refused samples, on disk (fsynced) before it returns.</summary>
    public IReadOnlyList<QuarantinedSample> Add(IReadOnlyList<RejectedSample> rejected, DateTimeOffset at)
    {
        var added = rejected.Select(r => new QuarantinedSample(_nextId++, at, r.Reason, r.Sample)).ToList();
        using (var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            using var writer = new StreamWriter(file);
            foreach (var entry in added) writer.WriteLine(ToLine(entry));
            writer.Flush();
            file.Flush(flushToDisk: true);
        }
        _entries.AddRange(added);
        return added;
    }

    /// <summary>Empties the quarantine (the caller has put its samples back in the cache first).</summary>
    public void Clear()
    {
        var temp = _path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None)) file.Flush(flushToDisk: true);
        File.Move(temp, _path, overwrite: true);
        _entries.Clear();
    }

    private static string ToLine(QuarantinedSample entry)
    {
        var s = entry.Sample;
        var line = new Dictionary<string, object?>
        {
            ["id"] = entry.Id,
            ["at"] = entry.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["reason"] = entry.Reason,
            ["tag"] = s.Tag,
            ["t"] = s.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["type"] = s.Value switch { null => "null", double => "double", long or int => "long", bool => "bool", _ => "string" },
            ["v"] = s.Value,
            ["q"] = TagDefinition.CamelName(s.Quality),
            ["node"] = s.Node,
            ["epoch"] = s.Epoch,
        };
        return JsonSerializer.Serialize(line, Json);
    }

    private static QuarantinedSample FromLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var v = root.GetProperty("v");
        object? value = root.GetProperty("type").GetString() switch
        {
            "null" => null,
            "double" => v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetDouble(),
            "long" => v.GetInt64(),
            "bool" => v.GetBoolean(),
            "string" => v.GetString(),
            var other => throw new FormatException($"unknown value type '{other}'"),
        };
        var quality = Enum.Parse<TagQuality>(root.GetProperty("q").GetString()!, ignoreCase: true);
        var sample = new HistorySample(root.GetProperty("tag").GetString()!, Time(root, "t"), value, quality,
            root.GetProperty("node").GetString()!, root.GetProperty("epoch").GetInt64());
        return new QuarantinedSample(root.GetProperty("id").GetInt64(), Time(root, "at"), root.GetProperty("reason").GetString()!, sample);
    }

    private static DateTimeOffset Time(JsonElement root, string name) =>
        DateTimeOffset.Parse(root.GetProperty(name).GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
