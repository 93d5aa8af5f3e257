using System.Globalization;
using Akka.Actor;
using RedundantGateway.Client;
using RedundantGateway.History;
using RedundantGateway.Tags;

namespace RedundantGateway.Node;

/// <summary>
/// /api/history: a tag's samples from the history database (through the history cache, which holds the query store),
/// and the quarantine of refused samples (list, retry).
/// </summary>
internal static class HistoryApi
{
    private static readonly TimeSpan AskMargin = TimeSpan.FromSeconds(2);
    public const int MaxPointsLimit = 100_000;

    public static void MapHistory(this WebApplication app, NodeActorSystem runtime)
    {
        app.MapGet("/" + GatewayRoutes.HistoryRoute, async (string? tag, string? from, string? to, string? maxPoints) =>
        {
            if (!TryParseQuery(tag, from, to, maxPoints, out var query, out var error))
                return NodeWeb.Json(new ErrorBody(error), StatusCodes.Status400BadRequest);
            if (runtime.Handles?.History is not { } history) return NodeWeb.Restarting();
            try
            {
                var result = await history.Ask<HistoryQueryResult>(query, runtime.Settings.History.QueryTimeout + AskMargin);
                return result.Error is { } problem
                    ? NodeWeb.Json(new ErrorBody(problem), StatusCodes.Status503ServiceUnavailable)
                    : NodeWeb.Json(new HistoryAnswer(result.Tag, result.Samples.Select(ToPoint).ToList()));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return Unavailable(); }
        });

        app.MapGet("/" + GatewayRoutes.HistoryStats, async () =>
        {
            if (runtime.Handles?.History is not { } history) return NodeWeb.Restarting();
            try
            {
                var status = await history.Ask<HistoryCacheStatus>(GetHistoryCacheStatus.Instance, AskMargin);
                return NodeWeb.Json(ContractMapping.ToHistory(status));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return Unavailable(); }
        });

        app.MapGet("/" + GatewayRoutes.HistoryQuarantine, async () =>
        {
            if (runtime.Handles?.History is not { } history) return NodeWeb.Restarting();
            try
            {
                var quarantine = await history.Ask<HistoryQuarantine>(GetHistoryQuarantine.Instance, AskMargin);
                return NodeWeb.Json(new HistoryQuarantineAnswer(quarantine.Samples
                    .Select(q => new QuarantinedPoint(q.Id, q.At, q.Reason, q.Sample.Tag, ToPoint(q.Sample))).ToList()));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return Unavailable(); }
        });

        app.MapPost("/" + GatewayRoutes.HistoryQuarantineRetry, async () =>
        {
            if (runtime.Handles?.History is not { } history) return NodeWeb.Restarting();
            try
            {
                var retried = await history.Ask<HistoryQuarantineRetried>(RetryHistoryQuarantine.Instance, AskMargin);
                return NodeWeb.Json(new ActionAnswer(true, $"{retried.Samples} quarantined samples put back in the cache to be written again"));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return Unavailable(); }
        });
    }

    private static IResult Unavailable() =>
        NodeWeb.Json(new ErrorBody("the history cache did not answer in time; try again"), StatusCodes.Status503ServiceUnavailable);

    /// <summary>Checks the query string; <paramref name="error"/> is one line naming the parameter.</summary>
    public static bool TryParseQuery(string? tag, string? from, string? to, string? maxPoints, out QueryHistory query, out string error)
    {
        query = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(tag)) return Fail("tag is required (the tag's path, e.g. tag=projects/demo/tags/line1/level)", out error);
        if (!TryTime(from, out var start)) return Fail($"from '{from}' is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)", out error);
        if (!TryTime(to, out var end)) return Fail($"to '{to}' is not an ISO 8601 time (e.g. 2026-01-31T13:00:00Z)", out error);
        if (end < start) return Fail($"to ({to}) is before from ({from})", out error);
        int? points = null;
        if (!string.IsNullOrEmpty(maxPoints))
        {
            if (!int.TryParse(maxPoints, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 2 or > MaxPointsLimit)
                return Fail($"maxPoints '{maxPoints}' must be a whole number from 2 to {MaxPointsLimit}", out error);
            points = p;
        }
        query = new QueryHistory(tag.Trim(), start, end, points);
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }

    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    public static HistoryPoint ToPoint(HistorySample sample) =>
        new(sample.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), sample.Value,
            TagDefinition.CamelName(sample.Quality), sample.Node, sample.Epoch);
}
