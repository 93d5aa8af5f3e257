using System.Globalization;
using Akka.Actor;
using RedundantGateway.Client;
using RedundantGateway.Redundancy;

namespace RedundantGateway.Node;

/// <summary>
/// GET /api/redundancy/events: the events log, newest first, a page at a time (<c>before</c>: the oldest id of the
/// last page; <c>limit</c>) and searched (<c>q</c>: in the kind or the reason, ignoring case). A bad value is a 400.
/// </summary>
internal static class EventsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static void Map(WebApplication app, NodeActorSystem runtime)
    {
        app.MapGet("/api/redundancy/events", async (string? limit, string? before, string? q) =>
        {
            if (!TryParse(limit, before, q, out var query, out var error))
                return NodeWeb.Json(new ErrorBody(error), StatusCodes.Status400BadRequest);
            if (runtime.Handles is not { } handles) return NodeWeb.Restarting();
            var events = await handles.Coordinator.Ask<RedundancyEvents>(query, AskTimeout);
            return NodeWeb.Json<IReadOnlyList<RedundancyEventInfo>>(events.Events.Select(ContractMapping.ToEvent).ToList());
        });
    }

    /// <summary>The query values as the coordinator's query; false with one line naming the value that is wrong.</summary>
    public static bool TryParse(string? limit, string? before, string? q, out GetRedundancyEvents query, out string error)
    {
        query = new GetRedundancyEvents(DefaultLimit);
        error = "";
        var count = DefaultLimit;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > MaxLimit))
        {
            error = $"limit must be a whole number from 0 to {MaxLimit}, not '{Shorten(limit)}'";
            return false;
        }
        long? beforeId = null;
        if (!string.IsNullOrEmpty(before))
        {
            if (!long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1)
            {
                error = $"before must be an event id (a positive whole number), not '{Shorten(before)}'";
                return false;
            }
            beforeId = id;
        }
        if (q is { Length: > 200 })
        {
            error = "q must be at most 200 characters";
            return false;
        }
        query = new GetRedundancyEvents(count, beforeId, string.IsNullOrWhiteSpace(q) ? null : q);
        return true;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
