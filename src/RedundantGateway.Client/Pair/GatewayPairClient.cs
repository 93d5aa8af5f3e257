using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RedundantGateway.Client;

/// <summary>
/// A client of a redundant pair that follows its active node: it finds the node whose /system/gwinfo says Active,
/// subscribes there through the hub (<see cref="TagStreamClient"/>) to tag values and polls its alarms, watches the
/// other node's gwinfo, and when its node is lost (the stream silent for <see cref="GatewayPairClientOptions.Silence"/>,
/// closed, or saying it left active) moves to whichever node is active first, subscribes again, replays what it missed
/// (history since the last value it delivered, then the snapshot; never a value twice) and raises
/// <see cref="Transferred"/>. Writes go only to the node it knows active, and wait (bounded) while it moves.
/// Events are raised one at a time, in order, on a task of their own: a slow handler delays later events, never the
/// detection of a loss.
/// </summary>
public sealed partial class GatewayPairClient : IAsyncDisposable
{
    private readonly GatewayPairClientOptions _options;
    private readonly HttpClient _http;
    private readonly GatewayClient[] _rest;
    private readonly ILogger _log;
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private volatile PairState _state;
    private TaskCompletionSource _stateChanged = NewSignal();
    private Task? _follow;
    private Task? _dispatch;
    private long _notActiveRefusals;

    /// <param name="first">one node's web address (e.g. the master's, http://host:8088/).</param>
    /// <param name="second">the other node's.</param>
    public GatewayPairClient(Uri first, Uri second, GatewayPairClientOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        _options = (options ?? new GatewayPairClientOptions()).Validate();
        _log = logger ?? NullLogger.Instance;
        // Every request carries its own deadline (RequestTimeout); the connect timeout bounds a SYN nobody answers.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.RequestTimeout }) { Timeout = Timeout.InfiniteTimeSpan };
        _rest = [new GatewayClient(_http, first, _options.ApiToken), new GatewayClient(_http, second, _options.ApiToken)];
        Nodes = [new PairNode(_rest[0].BaseAddress), new PairNode(_rest[1].BaseAddress)];
        _state = PairState.Starting;
    }

    public GatewayPairClientOptions Options => _options;

    /// <summary>The two nodes as given (names and roles are in the events, once the nodes answered).</summary>
    public IReadOnlyList<PairNode> Nodes { get; }

    /// <summary>The node the client streams from and writes to; null while it looks for one (at start, during a move).</summary>
    public PairNode? ActiveNode => _state.Active;

    /// <summary>How many writes a node refused as not active (each was sent again to the active node after the move).</summary>
    public long NotActiveRefusals => Interlocked.Read(ref _notActiveRefusals);

    /// <summary>A tag value, delivered once per value (after a move, missed values come first, marked replayed).</summary>
    public event EventHandler<TagValueEventArgs>? ValueReceived;

    /// <summary>An alarm changed on the active node (when <see cref="PairSubscription.Alarms"/> is set).</summary>
    public event EventHandler<AlarmChangedEventArgs>? AlarmChanged;

    /// <summary>The client moved to the other node; once per move.</summary>
    public event EventHandler<TransferredEventArgs>? Transferred;

    /// <summary>The client stopped trusting its node and looks for the active one.</summary>
    public event EventHandler<NodeLostEventArgs>? NodeLost;

    /// <summary>
    /// Starts following the pair with <paramref name="subscription"/> and returns once the client streams from an active
    /// node. Cancelling <paramref name="cancellationToken"/> only stops this wait: the client keeps looking until disposed.
    /// </summary>
    public async Task StartAsync(PairSubscription subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (_follow is not null) throw new InvalidOperationException("the pair client is started already");
        _dispatch = Task.Run(DispatchAsync);
        _follow = Task.Run(() => FollowAsync(subscription, _stop.Token));
        while (_state.Active is null)
        {
            var changed = Volatile.Read(ref _stateChanged).Task;
            if (_follow.IsCompleted)
            {
                await _follow.ConfigureAwait(false); // a fault of the loop surfaces here
                throw new ObjectDisposedException(nameof(GatewayPairClient), "the pair client was disposed while it started");
            }
            await Task.WhenAny(changed, _follow).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Acknowledges an alarm on the active node (see <see cref="GatewayClient.AckAlarmAsync"/>); waits for one during a move.</summary>
    public Task<AlarmCommandAnswer> AckAlarmAsync(string id, string by, string? note = null, CancellationToken cancellationToken = default) =>
        WriteAsync($"the ack of alarm '{id}'", (client, ct) => client.AckAlarmAsync(id, by, note, ct), cancellationToken);

    /// <summary>Shelves an alarm on the active node for <paramref name="duration"/>; waits for one during a move.</summary>
    public Task<AlarmCommandAnswer> ShelveAlarmAsync(string id, string by, TimeSpan duration, CancellationToken cancellationToken = default) =>
        WriteAsync($"the shelve of alarm '{id}'", (client, ct) => client.ShelveAlarmAsync(id, by, duration, ct), cancellationToken);

    /// <summary>Unshelves an alarm on the active node; waits for one during a move.</summary>
    public Task<AlarmCommandAnswer> UnshelveAlarmAsync(string id, string by, CancellationToken cancellationToken = default) =>
        WriteAsync($"the unshelve of alarm '{id}'", (client, ct) => client.UnshelveAlarmAsync(id, by, ct), cancellationToken);

    /// <summary>
    /// Sends a write to the node known active, never to another. During a move it waits, at most
    /// <see cref="GatewayPairClientOptions.WriteWait"/> in all, then fails with <see cref="PairUnavailableException"/>.
    /// A refusal as "not active", a refused connection or no answer within the request timeout send it again once the
    /// client knows the active node anew (an ack or shelve sent twice is harmless: the second finds it done).
    /// The node's other answers (e.g. 409 nothing to acknowledge) are its <see cref="GatewayException"/>.
    /// </summary>
    private async Task<T> WriteAsync<T>(string what, Func<GatewayClient, CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string? lastFailure = null;
        while (true)
        {
            var state = await ActiveStateAsync(what, started, lastFailure, cancellationToken).ConfigureAwait(false);
            using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            request.CancelAfter(_options.RequestTimeout);
            try
            {
                return await send(_rest[state.ActiveIndex], request.Token).ConfigureAwait(false);
            }
            catch (GatewayException e) when (PairRules.IsNotActiveRefusal(e.StatusCode, e.ServerMessage))
            {
                Interlocked.Increment(ref _notActiveRefusals);
                lastFailure = $"{state.Active} refused it as not active";
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !_stop.IsCancellationRequested
                                      && e is HttpRequestException or OperationCanceledException or TimeoutException)
            {
                lastFailure = e is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } }
                    ? $"{state.Active} refused the connection"
                    : $"{state.Active} gave no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms (it may or may not have been applied there)";
            }
            _log.LogInformation("Pair client: {What} not done: {Failure}; sent again once the active node is known anew", what, lastFailure);
            await StateChangedFromAsync(state, what, started, lastFailure, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The current state once it names an active node; a <see cref="PairUnavailableException"/> after the write's wait.</summary>
    private async Task<PairState> ActiveStateAsync(string what, long started, string? lastFailure, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _stateChanged).Task;
            var state = _state;
            if (state.Active is not null) return state;
            await WaitAsync(changed, state, what, started, lastFailure, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StateChangedFromAsync(PairState seen, string what, long started, string? lastFailure, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _stateChanged).Task;
            if (!ReferenceEquals(_state, seen)) return;
            await WaitAsync(changed, seen, what, started, lastFailure, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(Task changed, PairState state, string what, long started, string? lastFailure, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
        var left = _options.WriteWait - Stopwatch.GetElapsedTime(started);
        if (left > TimeSpan.Zero)
        {
            try
            {
                await changed.WaitAsync(left, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException) { }
        }
        var waited = $"no active node known within {_options.WriteWait.TotalSeconds:0.#} s";
        throw new PairUnavailableException(lastFailure is null
            ? $"{what} was not done: {waited} ({state.Describe()}); it was sent to no standby"
            : $"{what} failed: {lastFailure}; the client learned of no active node to send it again to within {_options.WriteWait.TotalSeconds:0.#} s; it was sent to no standby");
    }

    /// <summary>Publishes a new state (written by the follow loop only) and wakes whoever waits for a change.</summary>
    private void Publish(PairState state)
    {
        _state = state;
        Interlocked.Exchange(ref _stateChanged, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Raise(Action raise) => _events.Writer.TryWrite(raise);

    private async Task DispatchAsync()
    {
        await foreach (var raise in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try { raise(); }
            catch (Exception e) { _log.LogWarning("Pair client: an event handler threw {Error}: {Message}", e.GetType().Name, e.Message); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_follow is not null)
        {
            try { await _follow.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false); }
            catch (Exception) { /* stopping: the loop's end is not news */ }
        }
        _events.Writer.TryComplete();
        if (_dispatch is not null)
        {
            try { await _dispatch.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        foreach (var client in _rest) client.Dispose();
        _http.Dispose();
        Publish(PairState.Stopped);
    }
}

/// <summary>What the client knows now: the active node it follows, or the node it lost and why. Replaced, never changed.</summary>
internal sealed record PairState(PairNode? Active, int ActiveIndex, long Epoch, PairNode? Lost, string? LostReason, DateTimeOffset? LostAt)
{
    public static readonly PairState Starting = new(null, -1, 0, null, "looking for the active node", null);
    public static readonly PairState Stopped = new(null, -1, 0, null, "the client is disposed", null);

    public string Describe() => Lost is null
        ? LostReason ?? "looking for the active node"
        : $"lost {Lost} at {LostAt:HH:mm:ss.fff}: {LostReason}; looking for the active node";
}
