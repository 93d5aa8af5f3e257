using System.Globalization;
using Akka.Configuration;

namespace RedundantGateway.Configuration;

/// <summary>
/// Reads the keys of one section of the node's HOCON, turning every problem into one line that names
/// the source file and the full key. Each concern's settings read their own section through one.
/// </summary>
public sealed class SettingsReader
{
    private readonly Config _config;
    private readonly Config _given;

    private SettingsReader(Config config, Config given, string source, string path)
    {
        _config = config;
        _given = given;
        Source = source;
        Path = path;
    }

    /// <summary>The file(s) the configuration came from, named in errors.</summary>
    public string Source { get; }

    /// <summary>The full path of this reader's section, e.g. <c>redundant-gateway.config-sync</c>.</summary>
    public string Path { get; }

    /// <summary>A reader of the <c>redundant-gateway</c> section of <paramref name="config"/>, over the embedded defaults.</summary>
    public static SettingsReader ForGateway(Config config, string source) =>
        new(config.WithFallback(GatewayConfig.Reference), config, source, GatewayConfig.Root);

    /// <summary>A reader of a subsection, e.g. <c>Section("redundancy")</c>.</summary>
    public SettingsReader Section(string name) => new(_config, _given, Source, $"{Path}.{name}");

    /// <summary>
    /// Whether the configuration given sets this key to something other than the embedded default (the node
    /// merges its files over the defaults before reading, so a key that is merely present may be the default).
    /// </summary>
    public bool IsGiven(string key)
    {
        var path = Full(key);
        if (_given.IsEmpty || !_given.HasPath(path)) return false;
        return !GatewayConfig.Reference.HasPath(path) || Raw(_given, path) != Raw(GatewayConfig.Reference, path);
    }

    /// <summary>
    /// Reads a key that moved to another section: from its old place when only that is given, with a warning.
    /// </summary>
    public T Moved<T>(string oldKey, SettingsReader newSection, string newKey, Func<SettingsReader, string, T> read,
        ICollection<string> warnings)
    {
        if (!IsGiven(oldKey) || newSection.IsGiven(newKey)) return read(newSection, newKey);
        warnings.Add($"{Source}: {Full(oldKey)} has moved to {newSection.Full(newKey)}; the old key is still read, please rename it");
        return read(this, oldKey);
    }

    public GatewayConfigException Error(string key, string problem) => new($"{Source}: {Full(key)}: {problem}");

    private string Full(string key) => $"{Path}.{key}";

    private T Read<T>(string key, Func<string, T> read)
    {
        var path = Full(key);
        if (!_config.HasPath(path)) throw Error(key, "missing");
        try { return read(path); }
        catch (Exception e) when (e is not GatewayConfigException)
        {
            throw Error(key, $"cannot read '{Raw(path)}' ({e.GetType().Name})");
        }
    }

    private string Raw(string path) => Raw(_config, path);

    private static string Raw(Config config, string path)
    {
        try { return config.GetString(path) ?? ""; } catch { return "?"; }
    }

    public string String(string key) => Read(key, p => _config.GetString(p) ?? "");

    public string NonEmptyString(string key)
    {
        var value = String(key);
        return string.IsNullOrWhiteSpace(value) ? throw Error(key, "must not be empty") : value;
    }

    public bool Bool(string key) => Read(key, p => _config.GetString(p)?.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" => true,
        "off" or "false" or "no" => false,
        var raw => throw Error(key, $"'{raw}' is not on or off"),
    });

    public IReadOnlyList<string> StringList(string key) => Read(key, p => (IReadOnlyList<string>)_config.GetStringList(p).ToList());

    public int Int(string key) => Read(key, p =>
        int.TryParse(_config.GetString(p), out var v) ? v : throw Error(key, $"'{_config.GetString(p)}' is not a whole number"));

    public int PositiveInt(string key)
    {
        var value = Int(key);
        return value > 0 ? value : throw Error(key, $"{value} must be greater than 0");
    }

    public double PositiveDouble(string key)
    {
        var value = Read(key, p => double.TryParse(_config.GetString(p), NumberStyles.Float,
            CultureInfo.InvariantCulture, out var v) ? v : throw Error(key, $"'{_config.GetString(p)}' is not a number"));
        return value > 0 && double.IsFinite(value) ? value : throw Error(key, $"{value} must be a finite number greater than 0");
    }

    public long PositiveBytes(string key)
    {
        var value = Read(key, p => _config.GetByteSize(p) ?? throw Error(key, "is not a size"));
        return value > 0 ? value : throw Error(key, $"{value} must be greater than 0");
    }

    public int Port(string key)
    {
        var value = Int(key);
        CheckPort(key, value);
        return value;
    }

    public void CheckPort(string key, int value)
    {
        if (value is < 1 or > 65535) throw Error(key, $"port {value} is out of range 1-65535");
    }

    public TimeSpan Duration(string key, bool allowZero = false)
    {
        var raw = String(key).Trim();
        if (raw.StartsWith('-')) throw Error(key, $"'{raw}' must not be negative");
        var value = Read(key, p => _config.GetTimeSpan(p, null, allowInfinite: false));
        if (value < TimeSpan.Zero) throw Error(key, $"'{raw}' must not be negative");
        if (value == TimeSpan.Zero && !allowZero) throw Error(key, $"'{raw}' must be greater than 0");
        return value;
    }

    /// <summary>
    /// A duration that may be negative (<c>-5m</c>) or zero: HOCON's own duration reader knows no sign, so the sign is
    /// read here and the rest as a HOCON duration.
    /// </summary>
    public TimeSpan SignedDuration(string key)
    {
        var raw = String(key).Trim();
        var negative = raw.StartsWith('-');
        var magnitude = (negative || raw.StartsWith('+') ? raw[1..] : raw).TrimStart();
        if (magnitude.Length == 0 || magnitude.Any(c => c is '"' or '\\' or '-' or '+' || char.IsControl(c)))
            throw Error(key, $"'{raw}' is not a duration (e.g. 0s, 5m, -5m)");
        TimeSpan value;
        try { value = ConfigurationFactory.ParseString($"d = \"{magnitude}\"").GetTimeSpan("d", null, allowInfinite: false); }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or Akka.Configuration.ConfigurationException)
        {
            throw Error(key, $"'{raw}' is not a duration (e.g. 0s, 5m, -5m)");
        }
        return negative ? -value : value;
    }

    public T Enum<T>(string key, params T[] allowed) where T : struct, System.Enum
    {
        var raw = String(key).Trim();
        var choices = allowed.Length > 0 ? allowed : System.Enum.GetValues<T>();
        foreach (var choice in choices)
            if (string.Equals(choice.ToString(), raw, StringComparison.OrdinalIgnoreCase)) return choice;
        var names = string.Join(", ", choices.Select(c => c.ToString().ToLowerInvariant()));
        throw Error(key, $"unknown value '{raw}' (expected one of: {names})");
    }

    /// <summary>The node link's largest message (an Akka setting, read from the same merged config).</summary>
    public long FrameSize()
    {
        const string path = "akka.remote.dot-netty.tcp.maximum-frame-size";
        return _config.HasPath(path) ? _config.GetByteSize(path) ?? 128000 : 128000;
    }

    public NodeEndpoint? Endpoint(string key)
    {
        var raw = String(key).Trim();
        if (raw.Length == 0) return null;
        var colon = raw.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(raw[(colon + 1)..], out var port))
            throw Error(key, $"'{raw}' is not host:port");
        CheckPort(key, port);
        return new NodeEndpoint(raw[..colon], port);
    }
}
