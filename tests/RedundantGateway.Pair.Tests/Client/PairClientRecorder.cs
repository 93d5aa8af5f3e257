using System.Diagnostics;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>What a <see cref="GatewayPairClient"/> raised, with when it arrived (a stopwatch started with the recorder).</summary>
public sealed class PairClientRecorder
{
    public sealed record Value(TimeSpan At, TagInfo Tag, string Node, bool Replayed);
    public sealed record Move(TimeSpan At, TransferredEventArgs Args);

    private readonly object _gate = new();
    private readonly List<Value> _values = [];
    private readonly List<Move> _moves = [];
    private readonly List<string> _losses = [];
    private readonly List<AlarmChangedEventArgs> _alarms = [];

    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public PairClientRecorder(GatewayPairClient client)
    {
        client.ValueReceived += (_, e) => { lock (_gate) _values.Add(new Value(Clock.Elapsed, e.Value, e.Node.Name ?? e.Node.Address, e.Replayed)); };
        client.Transferred += (_, e) => { lock (_gate) _moves.Add(new Move(Clock.Elapsed, e)); };
        client.NodeLost += (_, e) => { lock (_gate) _losses.Add($"{Clock.Elapsed.TotalMilliseconds:0} ms: lost {e.Node}: {e.Reason}"); };
        client.AlarmChanged += (_, e) => { lock (_gate) _alarms.Add(e); };
    }

    public IReadOnlyList<Value> Values { get { lock (_gate) return _values.ToList(); } }
    public IReadOnlyList<Move> Moves { get { lock (_gate) return _moves.ToList(); } }
    public IReadOnlyList<string> Losses { get { lock (_gate) return _losses.ToList(); } }
    public IReadOnlyList<AlarmChangedEventArgs> Alarms { get { lock (_gate) return _alarms.ToList(); } }

    /// <summary>Live values from <paramref name="node"/> that arrived after <paramref name="after"/>.</summary>
    public int LiveValuesFrom(string node, TimeSpan after) => Values.Count(v => v.Node == node && !v.Replayed && v.At > after);

    /// <summary>Paths with a value delivered twice or out of order (source time not after the one before): must be none.</summary>
    public IReadOnlyList<string> Repeated() =>
        Values.GroupBy(v => v.Tag.Path)
            .Where(g => g.Zip(g.Skip(1)).Any(p => p.Second.Tag.T <= p.First.Tag.T))
            .Select(g => g.Key)
            .ToList();
}

/// <summary>
/// Acknowledges alarms through the pair client every 100 ms (round robin over ids) until stopped: what came back.
/// An accepted ack or the node's own refusal (e.g. nothing to acknowledge) is fine; a "not active" refusal means a
/// write reached a standby.
/// </summary>
public sealed class AckDriver : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<string> _outcomes = [];

    public AckDriver(GatewayPairClient client, IReadOnlyList<string> alarmIds)
    {
        _loop = Task.Run(async () =>
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                string outcome;
                try
                {
                    var answer = await client.AckAlarmAsync(alarmIds[i % alarmIds.Count], "pair-test", "through the pair client", _stop.Token);
                    outcome = answer.Accepted ? "accepted" : "refused: " + answer.Message;
                }
                catch (GatewayException e) { outcome = $"{e.StatusCode}: {e.ServerMessage}"; }
                catch (PairUnavailableException e) { outcome = "unavailable: " + e.Message; }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested) { break; }
                lock (_gate) _outcomes.Add(outcome);
                try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { break; }
            }
        });
    }

    public IReadOnlyList<string> Outcomes { get { lock (_gate) return _outcomes.ToList(); } }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
        _stop.Dispose();
    }
}
