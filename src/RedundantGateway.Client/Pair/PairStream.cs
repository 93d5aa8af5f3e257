using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;

namespace RedundantGateway.Client;

/// <summary>How a stream from one node ended for the client: why, and when it last heard anything on it.</summary>
internal sealed record StreamLoss(string Reason, long LastHeardTimestamp);

/// <summary>
/// One subscription on one node's hub: connected, its first item (the snapshot) read, then read item by item with a
/// bound on the silence between items. It is given up, never awaited, when its node is lost: a hung node would hold a
/// graceful close, so the connection is closed in the background (<see cref="Abandon"/>).
/// </summary>
internal sealed class PairStream
{
    private readonly TagStreamClient _hub;
    private readonly IAsyncEnumerator<TagStreamItem> _items;
    private readonly CancellationTokenSource _cancel;

    private PairStream(TagStreamClient hub, IAsyncEnumerator<TagStreamItem> items, CancellationTokenSource cancel, TagStreamItem first, long firstAt)
    {
        _hub = hub;
        _items = items;
        _cancel = cancel;
        First = first;
        FirstAt = firstAt;
    }

    /// <summary>The stream's first item: the snapshot (at the node's level).</summary>
    public TagStreamItem First { get; }

    /// <summary>When <see cref="First"/> arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long FirstAt { get; }

    /// <summary>
    /// Connects (unless <paramref name="connected"/>, a connection made beforehand to the same node, is still up) and reads
    /// the snapshot, each within <paramref name="timeout"/>; the stream, or null and why not.
    /// </summary>
    public static async Task<(PairStream? Stream, string? Error)> OpenAsync(Uri node, TagStreamClient? connected, PairSubscription subscription,
        string? apiToken, TimeSpan timeout, List<Task> closing, CancellationToken stop)
    {
        var hub = connected is { State: HubConnectionState.Connected } ? connected : null;
        if (connected is not null && hub is null) closing.Add(CloseAsync(connected, null));
        hub ??= new TagStreamClient(node, apiToken);
        var cancel = new CancellationTokenSource();
        try
        {
            if (hub.State != HubConnectionState.Connected)
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
                connect.CancelAfter(timeout);
                await hub.ConnectAsync(connect.Token).ConfigureAwait(false);
            }
            var items = hub.StreamAsync(subscription.TagPrefix, subscription.TagPaths, cancel.Token).GetAsyncEnumerator(cancel.Token);
            if (!await items.MoveNextAsync().AsTask().WaitAsync(timeout, stop).ConfigureAwait(false))
                throw new InvalidOperationException("the stream completed without a snapshot");
            return (new PairStream(hub, items, cancel, items.Current, Stopwatch.GetTimestamp()), null);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            closing.Add(CloseAsync(hub, cancel));
            return (null, e is TimeoutException or OperationCanceledException ? $"no answer within {timeout.TotalMilliseconds:0} ms" : FirstLine(e.Message));
        }
        catch
        {
            closing.Add(CloseAsync(hub, cancel));
            throw;
        }
    }

    /// <summary>
    /// Reads items and hands each to <paramref name="take"/> until the node is lost: silent for <paramref name="silence"/>,
    /// closed, or an item says it left active (<see cref="PairRules.LossIn"/>), or <paramref name="leave"/> says why to go.
    /// </summary>
    public async Task<StreamLoss> ReadUntilLostAsync(TimeSpan silence, Action<TagStreamItem> take, Task<string> leave, CancellationToken stop)
    {
        var lastHeard = FirstAt;
        while (true)
        {
            if (leave.IsCompleted) return new StreamLoss(await leave.ConfigureAwait(false), lastHeard);
            var next = _items.MoveNextAsync().AsTask();
            if (!next.IsCompleted)
            {
                // A timer only when the item is not there yet (a busy stream has items waiting).
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var timeout = Task.Delay(silence, wait.Token);
                var first = await Task.WhenAny(next, timeout, leave).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                stop.ThrowIfCancellationRequested();
                if (first == leave)
                {
                    Observe(next);
                    return new StreamLoss(await leave.ConfigureAwait(false), lastHeard);
                }
                if (first == timeout)
                {
                    Observe(next);
                    return new StreamLoss(PairRules.SilenceReason(Stopwatch.GetElapsedTime(lastHeard)), lastHeard);
                }
            }
            bool more;
            try { more = await next.ConfigureAwait(false); }
            catch (Exception e) when (!stop.IsCancellationRequested) { return new StreamLoss(PairRules.ClosedReason(e), lastHeard); }
            if (!more) return new StreamLoss(PairRules.ClosedReason(null), lastHeard);
            lastHeard = Stopwatch.GetTimestamp();
            var item = _items.Current;
            if (PairRules.LossIn(item) is { } reason) return new StreamLoss(reason, lastHeard);
            take(item);
        }
    }

    /// <summary>Stops the subscription and closes the connection in the background, bounded (the node may be hung).</summary>
    public void Abandon(List<Task> closing) => closing.Add(CloseAsync(_hub, _cancel));

    /// <summary>
    /// Connects to <paramref name="node"/> ahead of need (the other node, while the client streams from the active one),
    /// so that a move only subscribes; null when it does not connect within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<TagStreamClient?> ConnectAheadAsync(Uri node, string? apiToken, TimeSpan timeout, CancellationToken stop)
    {
        var hub = new TagStreamClient(node, apiToken);
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
            connect.CancelAfter(timeout);
            await hub.ConnectAsync(connect.Token).ConfigureAwait(false);
            return hub;
        }
        catch (Exception)
        {
            await CloseAsync(hub, null).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Closes a connection made ahead once it is there (it was not needed: the client went elsewhere, or stops).</summary>
    public static async Task DiscardAsync(Task<TagStreamClient?> ahead)
    {
        if (await ahead.ConfigureAwait(false) is { } hub) await CloseAsync(hub, null).ConfigureAwait(false);
    }

    /// <summary>Closes a connection, bounded (its node may be hung); the caller keeps the task and does not wait for it.</summary>
    private static async Task CloseAsync(TagStreamClient hub, CancellationTokenSource? cancel)
    {
        try
        {
            if (cancel is not null) await cancel.CancelAsync().ConfigureAwait(false);
            await hub.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception) { /* a lost node's connection: nothing to tell */ }
        finally { cancel?.Dispose(); }
    }

    private static void Observe(Task task) => task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
