using System.Globalization;

namespace RedundantGateway.Client;

/// <summary>The node's routes, relative to its base address (no leading '/', so a base address with a path prefix works).</summary>
public static class GatewayRoutes
{
    public const string GwInfo = "system/gwinfo";
    public const string Status = "api/redundancy";
    public const string Failover = "api/redundancy/failover";
    public const string Resync = "api/redundancy/resync";
    public const string Config = "api/config";
    public const string TagsRoute = "api/tags";

    /// <summary>The tags under <paramref name="prefix"/> (all of them when null).</summary>
    public static string Tags(string? prefix = null) =>
        string.IsNullOrEmpty(prefix) ? TagsRoute : $"{TagsRoute}?prefix={Uri.EscapeDataString(prefix)}";

    /// <summary>One tag's route (the path as given, as for resources).</summary>
    public static string Tag(string path) => $"{TagsRoute}/{path.TrimStart('/')}";

    /// <summary>The live stream of the tags under <paramref name="prefix"/> (Server-Sent Events).</summary>
    public static string TagStream(string? prefix = null) =>
        string.IsNullOrEmpty(prefix) ? $"{TagsRoute}/stream" : $"{TagsRoute}/stream?prefix={Uri.EscapeDataString(prefix)}";

    public const string Alarms = "api/alarms";

    public const string HistoryRoute = "api/history";
    public const string HistoryQuarantine = "api/history/quarantine";
    /// <summary>The <c>history</c> object of /api/redundancy alone (<see cref="HistoryCacheInfo"/>).</summary>
    public const string HistoryStats = "api/history/stats";
    public const string HistoryQuarantineRetry = "api/history/quarantine/retry";

    /// <summary>A tag's history in [from, to] (ISO 8601), at most <paramref name="maxPoints"/> (min/max buckets) when given.</summary>
    public static string History(string tag, DateTimeOffset from, DateTimeOffset to, int? maxPoints = null)
    {
        var route = $"{HistoryRoute}?tag={Uri.EscapeDataString(tag)}&from={Uri.EscapeDataString(from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}" +
                    $"&to={Uri.EscapeDataString(to.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}";
        return maxPoints is { } m ? $"{route}&maxPoints={m.ToString(CultureInfo.InvariantCulture)}" : route;
    }

    /// <summary>The SignalR hub of the live stream (methods Stream, Ack, Shelve and Unshelve; see <see cref="TagStreamClient"/>).</summary>
    public const string TagHub = "hubs/tags";

    public static string Events(int? limit = null) =>
        limit is { } l ? $"api/redundancy/events?limit={l.ToString(CultureInfo.InvariantCulture)}" : "api/redundancy/events";

    /// <summary>A page of the events: at most <paramref name="limit"/>, older than the event id <paramref name="before"/>, matching <paramref name="text"/>.</summary>
    public static string Events(int? limit, long? before, string? text)
    {
        var query = new List<string>(3);
        if (limit is { } l) query.Add($"limit={l.ToString(CultureInfo.InvariantCulture)}");
        if (before is { } b) query.Add($"before={b.ToString(CultureInfo.InvariantCulture)}");
        if (!string.IsNullOrEmpty(text)) query.Add($"q={Uri.EscapeDataString(text)}");
        return query.Count == 0 ? "api/redundancy/events" : $"api/redundancy/events?{string.Join('&', query)}";
    }

    /// <summary>The Prometheus text exposition of the node's metrics.</summary>
    public const string Metrics = "metrics";

    public static string ConfigChanges(long? after = null, int? limit = null)
    {
        var query = new List<string>(2);
        if (after is { } a) query.Add($"after={a.ToString(CultureInfo.InvariantCulture)}");
        if (limit is { } l) query.Add($"limit={l.ToString(CultureInfo.InvariantCulture)}");
        return query.Count == 0 ? "api/redundancy/config-changes" : $"api/redundancy/config-changes?{string.Join('&', query)}";
    }

    /// <summary>The alarms, filtered by state (active, clear), priority and id prefix (null: any).</summary>
    public static string AlarmList(string? state = null, string? priority = null, string? prefix = null)
    {
        var query = new List<string>(3);
        if (!string.IsNullOrEmpty(state)) query.Add($"state={Uri.EscapeDataString(state)}");
        if (!string.IsNullOrEmpty(priority)) query.Add($"priority={Uri.EscapeDataString(priority)}");
        if (!string.IsNullOrEmpty(prefix)) query.Add($"prefix={Uri.EscapeDataString(prefix)}");
        return query.Count == 0 ? Alarms : $"{Alarms}?{string.Join('&', query)}";
    }

    /// <summary>An action on one alarm (ack, shelve, unshelve); the id is a config path and goes in as given.</summary>
    public static string AlarmAction(string id, string action) => $"{Alarms}/{id.Trim('/')}/{action}";

    /// <summary>
    /// A resource's route. The path goes in as given (letters, digits, '-', '_', '.', '/' need no escaping): the
    /// node, not the client, judges a path, so a bad one gets the node's 400 and its reason.
    /// </summary>
    public static string Resource(string path) => $"{Config}/{path.TrimStart('/')}";
}
