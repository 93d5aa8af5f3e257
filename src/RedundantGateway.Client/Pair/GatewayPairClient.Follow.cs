using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace RedundantGateway.Client;

// The follow loop: find the active node, stream from it until it is lost, move. Its state (what was delivered,
// the alarms known) is owned by the loop alone.
public sealed partial class GatewayPairClient
{
    private async Task FollowAsync(PairSubscription subscription, CancellationToken stop)
    {
        var delivered = new Dictionary<string, DateTime>(StringComparer.Ordinal); // tag path -> source time of the last value delivered
        var alarms = new Dictionary<string, AlarmInfo>(StringComparer.Ordinal);
        var closing = new List<Task>();
        int? current = null;
        (Task<TagStreamClient?> Hub, int Index)? ahead = null; // a connection to the other node, made while streaming, so a move only subscribes
        (PairNode Node, int Index, string Reason, long LastHeard)? lost = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var (index, info) = await FindActiveAsync(current, stop).ConfigureAwait(false);
                var node = Nodes[index] with { Name = info.NodeName, Role = info.RedundancyStatus };
                TagStreamClient? connected = null;
                if (ahead is { } made)
                {
                    if (made.Index == index && made.Hub.IsCompletedSuccessfully) connected = made.Hub.Result;
                    else closing.Add(PairStream.DiscardAsync(made.Hub));
                    ahead = null;
                }
                var (stream, error) = await PairStream.OpenAsync(node.BaseAddress, connected, subscription, _options.ApiToken, 2 * _options.RequestTimeout, closing, stop)
                    .ConfigureAwait(false);
                if (stream is null || PairRules.LossIn(stream.First) is not null)
                {
                    _log.LogInformation("Pair client: {Node} said Active but its stream did not start: {Reason}", node, error ?? "its snapshot is not at level active");
                    stream?.Abandon(closing);
                    await Task.Delay(_options.ProbeInterval, stop).ConfigureAwait(false);
                    continue;
                }

                Publish(new PairState(node, index, info.Epoch, null, null, null));
                if (lost is { } was && was.Index != index)
                {
                    var moved = new TransferredEventArgs(was.Node, node, was.Reason, Stopwatch.GetElapsedTime(was.LastHeard, stream.FirstAt), DateTimeOffset.UtcNow);
                    _log.LogWarning("Pair client: {Transfer}", moved.ToString());
                    Raise(() => Transferred?.Invoke(this, moved));
                }
                else _log.LogInformation("Pair client: streaming from {Node} (epoch {Epoch})", node, info.Epoch);
                current = index;
                ahead = (PairStream.ConnectAheadAsync(Nodes[1 - index].BaseAddress, _options.ApiToken, 2 * _options.RequestTimeout, stop), 1 - index);

                _log.LogDebug("Pair client: replaying to the snapshot of {Node}", node);
                await ReplayAsync(index, node, stream.First.Tags ?? [], delivered, replayed: lost is not null, stop).ConfigureAwait(false);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var leave = WatchOtherAsync(1 - index, info.Epoch, session.Token);
                var polling = subscription.Alarms ? PollAlarmsAsync(index, node, subscription.AlarmPrefix, alarms, session.Token) : Task.CompletedTask;
                _log.LogDebug("Pair client: reading the stream of {Node}", node);
                var loss = await stream.ReadUntilLostAsync(_options.Silence, item => Take(item, node, delivered), leave, stop).ConfigureAwait(false);
                await session.CancelAsync().ConfigureAwait(false);
                await polling.ConfigureAwait(false);
                stream.Abandon(closing);

                var at = DateTimeOffset.UtcNow;
                lost = (node, index, loss.Reason, loss.LastHeardTimestamp);
                Publish(new PairState(null, -1, 0, node, loss.Reason, at));
                _log.LogWarning("Pair client: lost {Node}: {Reason}", node, loss.Reason);
                var lostArgs = new NodeLostEventArgs(node, loss.Reason, at);
                Raise(() => NodeLost?.Invoke(this, lostArgs));
                closing.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            // A bug, not a node's failure: say so loudly, and let writes fail fast rather than wait on a loop that is gone.
            _log.LogError(e, "Pair client: the follow loop failed; the client no longer follows the pair");
            Publish(new PairState(null, -1, 0, null, $"the client's follow loop failed: {e.Message}", DateTimeOffset.UtcNow));
            throw;
        }
        finally
        {
            if (ahead is { } unused) closing.Add(PairStream.DiscardAsync(unused.Hub));
            await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(6)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Probes both nodes' gwinfo (each every ProbeInterval, each within RequestTimeout) until <see cref="PairRules.PickActive"/> names one.</summary>
    private async Task<(int Index, GwInfo Info)> FindActiveAsync(int? preferred, CancellationToken stop)
    {
        var latest = new NodeProbe?[2];
        var pending = new[] { ProbeAsync(0, TimeSpan.Zero, stop), ProbeAsync(1, TimeSpan.Zero, stop) };
        while (true)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            var probe = await done.ConfigureAwait(false);
            if (Said(latest[probe.Node]) != Said(probe)) _log.LogDebug("Pair client: {Node} says {Level}", Nodes[probe.Node], Said(probe));
            latest[probe.Node] = probe;
            if (PairRules.PickActive(latest, preferred) is { } pick) return (pick, latest[pick]!.Info!);
            pending[probe.Node] = ProbeAsync(probe.Node, _options.ProbeInterval, stop);
        }
    }

    private static string Said(NodeProbe? probe) => probe?.Info?.RedundantNodeActiveStatus ?? probe?.Error ?? "nothing yet";

    /// <summary>One gwinfo of node <paramref name="index"/> after <paramref name="delay"/>: its answer, or why none (never throws but on stop).</summary>
    private async Task<NodeProbe> ProbeAsync(int index, TimeSpan delay, CancellationToken stop)
    {
        if (delay > TimeSpan.Zero) await Task.Delay(delay, stop).ConfigureAwait(false);
        using var request = CancellationTokenSource.CreateLinkedTokenSource(stop);
        request.CancelAfter(_options.RequestTimeout);
        try { return new NodeProbe(index, await _rest[index].GetGwInfoAsync(request.Token).ConfigureAwait(false), null); }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            return new NodeProbe(index, null, e is OperationCanceledException ? "no answer in time" : e.Message);
        }
    }

    /// <summary>Reads the other node's gwinfo every WatchInterval; completes with a reason to leave when it took over (newer epoch).</summary>
    private async Task<string> WatchOtherAsync(int other, long epoch, CancellationToken session)
    {
        while (true)
        {
            var probe = await ProbeAsync(other, _options.WatchInterval, session).ConfigureAwait(false);
            if (PairRules.OtherTookOver(epoch, probe) is { } reason) return reason;
        }
    }

    private void Take(TagStreamItem item, PairNode node, Dictionary<string, DateTime> delivered)
    {
        if (item.Kind == TagStreamItem.ChangeKind && item.Tag is { } tag) Deliver(tag, node, delivered, replayed: false);
    }

    private void Deliver(TagInfo tag, PairNode node, Dictionary<string, DateTime> delivered, bool replayed)
    {
        if (!PairRules.IsNew(delivered.TryGetValue(tag.Path, out var last) ? last : null, tag.T)) return;
        delivered[tag.Path] = tag.T;
        var args = new TagValueEventArgs(tag, node, replayed);
        Raise(() => ValueReceived?.Invoke(this, args));
    }

    /// <summary>
    /// After a move: the values missed, from the new node's history (since the last one delivered, before the snapshot),
    /// for the tags delivered most recently; then the snapshot. <see cref="PairRules.IsNew"/> drops what was delivered.
    /// </summary>
    private async Task ReplayAsync(int index, PairNode node, IReadOnlyList<TagInfo> snapshot, Dictionary<string, DateTime> delivered, bool replayed, CancellationToken stop)
    {
        if (replayed && _options.HistoryReplayMaxTags > 0)
        {
            var missed = snapshot
                .Where(t => delivered.TryGetValue(t.Path, out var last) && t.T > last)
                .OrderByDescending(t => delivered[t.Path])
                .Take(_options.HistoryReplayMaxTags)
                .Select(t => (Tag: t, Since: delivered[t.Path]))
                .ToList();
            var histories = await Task.WhenAll(missed.Select(m => HistoryAsync(index, m.Tag.Path, m.Since, m.Tag.T, stop))).ConfigureAwait(false);
            foreach (var (history, (tag, _)) in histories.Zip(missed))
                foreach (var point in history.Where(p => p.T < tag.T))
                    Deliver(point, node, delivered, replayed: true);
        }
        foreach (var tag in snapshot) Deliver(tag, node, delivered, replayed);
    }

    /// <summary>A tag's history in [since, until] as values; empty when the tag has none or the node does not answer in time.</summary>
    private async Task<IReadOnlyList<TagInfo>> HistoryAsync(int index, string path, DateTime since, DateTime until, CancellationToken stop)
    {
        using var request = CancellationTokenSource.CreateLinkedTokenSource(stop);
        request.CancelAfter(_options.RequestTimeout);
        try
        {
            var answer = await _rest[index].GetHistoryAsync(path, since, until, cancellationToken: request.Token).ConfigureAwait(false);
            return answer.Samples
                .Select(s => new TagInfo(path, s.V is JsonElement v ? v : null, s.Q, DateTime.Parse(s.T, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal)))
                .OrderBy(t => t.T)
                .ToList();
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            _log.LogDebug("Pair client: no history of {Tag} to replay: {Reason}", path, e.Message);
            return [];
        }
    }

    /// <summary>
    /// The alarm engine has no change feed: its alarms are read every AlarmPollInterval from the active node and each
    /// one that is new or changed (<see cref="PairRules.AlarmChanged"/>) is raised. The known alarms carry over a move,
    /// so the new node's first answer raises only what changed in between.
    /// </summary>
    private async Task PollAlarmsAsync(int index, PairNode node, string? prefix, Dictionary<string, AlarmInfo> known, CancellationToken session)
    {
        while (!session.IsCancellationRequested)
        {
            using (var request = CancellationTokenSource.CreateLinkedTokenSource(session))
            {
                request.CancelAfter(_options.RequestTimeout);
                try
                {
                    var answer = await _rest[index].GetAlarmsAsync(prefix: prefix, cancellationToken: request.Token).ConfigureAwait(false);
                    if (answer.ActivityLevel == PairRules.ActiveLevel)
                        foreach (var alarm in answer.Alarms)
                        {
                            var before = known.GetValueOrDefault(alarm.Id);
                            if (!PairRules.AlarmChanged(before, alarm)) continue;
                            known[alarm.Id] = alarm;
                            var args = new AlarmChangedEventArgs(alarm, before, node);
                            Raise(() => AlarmChanged?.Invoke(this, args));
                        }
                }
                catch (Exception) when (session.IsCancellationRequested)
                {
                    return; // the session ended (its node lost) while a poll was under way: nothing to tell
                }
                catch (Exception e)
                {
                    // The stream decides whether the node is lost; a missed poll is read again next time.
                    _log.LogDebug("Pair client: alarms of {Node} not read: {Reason}", node, e.Message);
                }
            }
            try { await Task.Delay(_options.AlarmPollInterval, session).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }
}
