using System.Globalization;
using System.Text.Json;

namespace RedundantGateway.Tags;

public enum TagDataType { Float, Int, Bool, String }

public enum SimulatorFunction { Ramp, Sine, Square, RandomWalk, Counter }

/// <summary>
/// A tag as the configuration defines it: a resource under a <c>tags</c> segment whose value is a JSON object
/// with a <c>"provider"</c>. Simulator fields have defaults; a host provider's tag names an <c>"address"</c>.
/// <paramref name="Json"/> is the resource's text, so a rebuild can tell which tags really changed.
/// </summary>
public sealed record TagDefinition(
    string Path,
    string Provider,
    SimulatorFunction Function,
    string? Address,
    TagDataType DataType,
    int ScanRateMs,
    double Deadband,
    string Units,
    double Amplitude,
    long PeriodMs,
    double Offset,
    double Rate,
    long Seed,
    string Json)
{
    public const string SimulatorProvider = "simulator";
    public const int MinScanRateMs = 50;
    public const int MaxScanRateMs = 3_600_000;

    /// <summary>The history the tag asks for; null: none.</summary>
    public TagHistory? History { get; init; }

    private static readonly IReadOnlySet<string> SimulatorOnly = new HashSet<string>(StringComparer.Ordinal) { SimulatorProvider };

    /// <summary>Whether a resource is a tag definition at all: a <c>tags</c> segment and a JSON object with a provider.</summary>
    public static bool IsTagDefinition(string path, string json)
    {
        if (!(path.StartsWith("tags/", StringComparison.Ordinal) || path.Contains("/tags/", StringComparison.Ordinal))) return false;
        // Cheap before parsing: plain config under tags/ (any JSON value) stays plain config.
        if (!json.Contains("\"provider\"", StringComparison.Ordinal)) return false;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("provider", out _);
        }
        catch (JsonException) { return false; }
    }

    /// <summary>Parses a definition whose provider is the simulator (the only one a node knows without a host's).</summary>
    public static bool TryParse(string path, string json, out TagDefinition? definition, out string error) =>
        TryParse(path, json, SimulatorOnly, out definition, out error);

    /// <summary>Parses and checks a definition; <paramref name="error"/> is one line naming the tag and the field.</summary>
    public static bool TryParse(string path, string json, IReadOnlySet<string> knownProviders, out TagDefinition? definition, out string error)
    {
        definition = null;
        try
        {
            definition = Parse(path, json, knownProviders);
            error = "";
            return true;
        }
        catch (FormatException e)
        {
            error = $"tag {path}: {e.Message}";
            return false;
        }
        catch (JsonException e)
        {
            error = $"tag {path}: the value is not valid JSON: {e.Message.Split('\n')[0]}";
            return false;
        }
    }

    private static TagDefinition Parse(string path, string json, IReadOnlySet<string> knownProviders)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("a tag definition must be a JSON object");
        var provider = Text(root, "provider") ?? throw new FormatException("\"provider\" is required");
        if (!knownProviders.Contains(provider))
            throw new FormatException($"unknown provider '{provider}' (known: {string.Join(", ", knownProviders.Order(StringComparer.Ordinal))})");
        var isSimulator = provider == SimulatorProvider;
        var function = SimulatorFunction.Sine;
        string? address = null;
        if (isSimulator)
        {
            if (Text(root, "function") is { } name)
                function = Enum.GetValues<SimulatorFunction>().FirstOrDefault(f => CamelName(f) == name, (SimulatorFunction)(-1));
            if ((int)function < 0)
                throw new FormatException($"unknown function '{Text(root, "function")}' (expected {string.Join(", ", Enum.GetValues<SimulatorFunction>().Select(CamelName))})");
        }
        else
        {
            address = Text(root, "address");
            if (string.IsNullOrWhiteSpace(address)) throw new FormatException($"provider '{provider}' needs an \"address\"");
        }
        var dataType = TagDataType.Float;
        if (Text(root, "dataType") is { } type)
            dataType = Enum.GetValues<TagDataType>().FirstOrDefault(t => CamelName(t) == type, (TagDataType)(-1));
        if ((int)dataType < 0)
            throw new FormatException($"unknown dataType '{Text(root, "dataType")}' (expected float, int, bool, string)");
        var scanRate = Number(root, "scanRateMs", 1000);
        if (scanRate is < MinScanRateMs or > MaxScanRateMs || scanRate != Math.Floor(scanRate))
            throw new FormatException($"\"scanRateMs\" {Format(scanRate)} must be a whole number of ms from {MinScanRateMs} to {MaxScanRateMs}");
        var deadband = Number(root, "deadband", 0);
        if (deadband < 0) throw new FormatException($"\"deadband\" {Format(deadband)} must not be negative");
        var period = Number(root, "periodMs", 60_000);
        if (period < 1 || period != Math.Floor(period)) throw new FormatException($"\"periodMs\" {Format(period)} must be a whole number of ms, at least 1");
        var seed = Number(root, "seed", 1);
        if (seed != Math.Floor(seed) || Math.Abs(seed) > 9e15) throw new FormatException($"\"seed\" {Format(seed)} must be a whole number");
        return new TagDefinition(path, provider, function, address, dataType, (int)scanRate, deadband,
            Text(root, "units") ?? "", Number(root, "amplitude", 100), (long)period, Number(root, "offset", 0),
            Number(root, "rate", 1), (long)seed, json) { History = TagHistory.Parse(root) };
    }

    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"\"{name}\" must be a string");
    }

    private static double Number(JsonElement root, string name, double fallback)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return fallback;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new FormatException($"\"{name}\" must be a number");
        return number;
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The JSON spelling of an enum member: randomWalk, float.</summary>
    public static string CamelName<T>(T value) where T : struct, Enum
    {
        var name = value.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }
}
