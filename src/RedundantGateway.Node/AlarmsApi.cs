using System.Text.Json;
using Akka.Actor;
using RedundantGateway.Alarms;
using RedundantGateway.Client;

namespace RedundantGateway.Node;

/// <summary>
/// /api/alarms: the alarms on any node (a cold one lists them not evaluated); acknowledge, shelve and unshelve on
/// the active node only. A node that is not active answers 409 naming the active node's web address and changes
/// nothing; the alarm engine decides that from its own level, so the answer matches what it did.
/// </summary>
internal static class AlarmsApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <param name="alarms">the alarm engine, null while the runtime is restarting.</param>
    /// <param name="activeNodeWebAddress">the active node's web address (e.g. http://host:8088), null when unknown.</param>
    /// <param name="shownLevel">the engine's level as the API may show it (never "active" unless the node's coordinator confirms it).</param>
    /// <param name="clock">the node's clock (<see cref="GatewaySettings.Clock"/>): a shelve "for N minutes" ends N minutes
    /// after now as the alarm engine reads it.</param>
    public static void MapAlarms(this WebApplication app, Func<IActorRef?> alarms, Func<Task<string?>> activeNodeWebAddress,
        Func<ActivityLevel, Task<ActivityLevel>> shownLevel, TimeProvider clock)
    {
        app.MapGet("/api/alarms", async (string? state, string? priority, string? prefix) =>
        {
            if (!TryFilter(state, priority, prefix, out var filter, out var error)) return Problem(StatusCodes.Status400BadRequest, error);
            if (alarms() is not { } engine) return NodeWeb.Restarting();
            try
            {
                var list = await engine.Ask<AlarmList>(new GetAlarms(filter), AskTimeout);
                return NodeWeb.Json(new AlarmListAnswer(Lower(await shownLevel(list.Level)), list.Alarms.Select(ToInfo).ToList()));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return EngineUnavailable(); }
        });

        // The id is a config path with slashes: a catch-all route, the action is its last segment.
        app.MapPost("/api/alarms/{**rest}", async (string rest, HttpRequest request) =>
        {
            var cut = rest.TrimEnd('/').LastIndexOf('/');
            var (id, action) = cut > 0 ? (rest[..cut], rest[(cut + 1)..].TrimEnd('/')) : ("", rest);
            if (id.Length == 0 || action is not ("ack" or "shelve" or "unshelve"))
                return Problem(StatusCodes.Status404NotFound, "expected POST /api/alarms/{id}/ack, /shelve or /unshelve");
            object command;
            try
            {
                command = action switch
                {
                    "ack" => await ReadAsync<AlarmAckRequest>(request) is { } ack ? new AckAlarm(id, By(ack.By), ack.Note) : throw Missing(),
                    "shelve" => await ReadAsync<AlarmShelveRequest>(request) is { } shelve ? ToShelve(id, shelve, clock.GetUtcNow()) : throw Missing(),
                    _ => await ReadAsync<AlarmUnshelveRequest>(request) is { } unshelve ? new UnshelveAlarm(id, By(unshelve.By)) : throw Missing(),
                };
            }
            catch (Exception e) when (e is JsonException or BadHttpRequestException or ArgumentException)
            {
                return Problem(StatusCodes.Status400BadRequest, OneLine(e.Message));
            }
            var answer = await RunAsync(alarms(), command, id, action, activeNodeWebAddress);
            return answer.Accepted
                ? NodeWeb.Json(new AlarmCommandAnswer(true, answer.Message, answer.Alarm!))
                : Problem(answer.Status, answer.Message);
        });
    }

    /// <summary>
    /// Sends an ack, shelve or unshelve to the alarm engine and says what the REST API answers (status and one line);
    /// the hub's Ack answers the same, so a refusal reads alike on both.
    /// </summary>
    public static async Task<AlarmHubAnswer> RunAsync(IActorRef? engine, object command, string id, string action, Func<Task<string?>> activeNodeWebAddress)
    {
        if (engine is null) return Refused(StatusCodes.Status503ServiceUnavailable, NodeWeb.RestartingMessage);
        AlarmCommandResult result;
        try { result = await engine.Ask<AlarmCommandResult>(command, AskTimeout); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { return Refused(StatusCodes.Status503ServiceUnavailable, EngineUnavailableMessage); }

        if (result.NotActive)
        {
            var web = await activeNodeWebAddress();
            var where = string.IsNullOrEmpty(web) ? "no active node is known now" : $"the active node is at {web}";
            return Refused(StatusCodes.Status409Conflict, $"{result.Error}; {where}");
        }
        if (result.Alarm is null) return Refused(StatusCodes.Status404NotFound, result.Error ?? $"no alarm '{id}'");
        if (!result.Accepted) return Refused(StatusCodes.Status409Conflict, result.Error ?? "refused");
        var done = action switch { "ack" => "acknowledged", "shelve" => "shelved", _ => "unshelved" };
        return new AlarmHubAnswer(true, StatusCodes.Status200OK, $"alarm '{id}' {done}", ToInfo(result.Alarm));

        static AlarmHubAnswer Refused(int status, string message) => new(false, status, message, null);
    }

    /// <summary>An alarm engine's status as the contract's record.</summary>
    public static AlarmInfo ToInfo(AlarmStatus alarm) =>
        new(Id: alarm.Id,
            Tag: alarm.Tag,
            Priority: AlarmDefinition.Name(alarm.Priority),
            State: alarm.Active ? "active" : "clear",
            Acked: alarm.Acked,
            Shelved: alarm.Shelved,
            ActiveSince: alarm.ActiveSince,
            AckedBy: alarm.AckedBy,
            AckedAt: alarm.AckedAt,
            AckNote: alarm.AckNote,
            ShelvedUntil: alarm.ShelvedUntil,
            ShelvedBy: alarm.ShelvedBy,
            Condition: AlarmDefinition.Name(alarm.Condition),
            DisplayPath: alarm.DisplayPath,
            LastActive: alarm.LastActivation is { } on ? new AlarmTransitionInfo(on.At, on.Value) : null,
            LastClear: alarm.LastClear is { } off ? new AlarmTransitionInfo(off.At, off.Value) : null,
            Value: alarm.LastValue,
            Quality: alarm.QualityReason is null ? "good" : "bad",
            QualityReason: alarm.QualityReason,
            EvaluatedAt: alarm.EvaluatedAt,
            Acks: alarm.Acks.Select(a => new AlarmAckInfo(a.By, a.At, a.Note)).ToList());

    /// <summary>The query's filters; an unknown state or priority is a 400 with one line.</summary>
    public static bool TryFilter(string? state, string? priority, string? prefix, out AlarmFilter filter, out string error)
    {
        filter = AlarmFilter.All;
        error = "";
        var stateFilter = state?.ToLowerInvariant() switch
        {
            null or "" => AlarmStateFilter.Any,
            "active" => AlarmStateFilter.Active,
            "clear" => AlarmStateFilter.Clear,
            _ => (AlarmStateFilter?)null,
        };
        if (stateFilter is null)
        {
            error = $"state must be active or clear, not '{state}'";
            return false;
        }
        AlarmPriority? priorityFilter = null;
        if (!string.IsNullOrEmpty(priority))
        {
            priorityFilter = Enum.GetValues<AlarmPriority>().Cast<AlarmPriority?>()
                .FirstOrDefault(p => string.Equals(AlarmDefinition.Name(p!.Value), priority, StringComparison.OrdinalIgnoreCase));
            if (priorityFilter is null)
            {
                error = $"priority must be low, medium, high or critical, not '{priority}'";
                return false;
            }
        }
        filter = new AlarmFilter(stateFilter.Value, priorityFilter, string.IsNullOrEmpty(prefix) ? null : prefix.TrimStart('/'));
        return true;
    }

    internal static ShelveAlarm ToShelve(string id, AlarmShelveRequest shelve, DateTimeOffset now)
    {
        if ((shelve.Minutes is null) == (shelve.Until is null))
            throw new ArgumentException("a shelve needs either 'minutes' or 'until' (not both)");
        if (shelve.Minutes is { } minutes && (!double.IsFinite(minutes) || minutes <= 0 || minutes > TimeSpan.MaxValue.TotalMinutes / 2))
            throw new ArgumentException($"'minutes' must be a positive number, not {minutes}");
        var until = shelve.Until ?? now.AddMinutes(shelve.Minutes!.Value);
        return new ShelveAlarm(id, By(shelve.By), until);
    }

    // The body's "by" is required (records do not enforce it when the key is absent): who acts goes on the record.
    private static string By(string? by) =>
        string.IsNullOrWhiteSpace(by) ? throw new ArgumentException("'by' is required: who acts on the alarm") : by;

    private static async Task<T?> ReadAsync<T>(HttpRequest request) where T : class =>
        await JsonSerializer.DeserializeAsync<T>(request.Body, ContractJson.Options);

    private static JsonException Missing() => new("the body must be a JSON object with 'by'");

    private const string EngineUnavailableMessage = "the alarm engine did not answer in time; try again shortly";

    private static IResult EngineUnavailable() => Problem(StatusCodes.Status503ServiceUnavailable, EngineUnavailableMessage);

    private static IResult Problem(int status, string message) => NodeWeb.Json(new ErrorBody(message), status);

    private static string Lower(ActivityLevel level) => level.ToString().ToLowerInvariant();

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
