using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RedundantGateway.Alarms;
using RedundantGateway.StateSync;
using RedundantGateway.Tests.Alarms;

namespace RedundantGateway.Tests.StateSync;

/// <summary>One step of a two-node history: a node evaluates, acknowledges, shelves, unshelves, lets time pass, or
/// sends what it has queued (reordered or duplicated as <see cref="Amount"/> says).</summary>
public sealed record HistoryStep(int Node, int Kind, int Alarm, int Amount);

/// <param name="SkewMs">how far the second node's wall clock is from the first's (up to 5 minutes either way).</param>
/// <param name="Order">keys that shuffle and duplicate the deltas for the replicas of the convergence property.</param>
public sealed record History(int SkewMs, HistoryStep[] Steps, int[] Order);

public static class Histories
{
    public static Arbitrary<History> Arbitrary()
    {
        var step =
            from node in Gen.Choose(0, 1)
            from kind in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2)), (1, Gen.Constant(3)),
                (1, Gen.Constant(4)), (2, Gen.Constant(5)), (3, Gen.Constant(6)))
            from alarm in Gen.Choose(0, 2)
            from amount in Gen.Choose(0, 3_000)
            select new HistoryStep(node, kind, alarm, amount);
        var history =
            from skew in Gen.Choose(-300_000, 300_000)
            from steps in Gen.ArrayOf(step)
            from order in Gen.ArrayOf(Gen.Choose(0, 1_000))
            select new History(skew, steps, order);
        return history.ToArbitrary();
    }
}

/// <summary>
/// The merge laws and what they are for, on random histories of two nodes with clocks up to 5 minutes apart,
/// deltas delivered late, reordered and duplicated.
/// </summary>
public sealed class AlarmStateMergeProperties
{
    private sealed class Node(TimeProvider time, ushort id)
    {
        public readonly ManualTimeProvider Time = (ManualTimeProvider)time;
        public readonly HybridClock Clock = new(time, id);
        public AlarmStateSet State = AlarmStateSet.Empty;
        public readonly List<AlarmStateSet> Outbox = [];
        public HybridTimestamp Seen = HybridTimestamp.Zero;
    }

    private sealed record ActivityWrite(string Alarm, bool Active, HybridTimestamp Stamp, bool AfterEverything);

    private sealed class Run
    {
        public readonly List<AlarmStateSet> Deltas = [];
        public readonly List<(string Alarm, AckFact Ack)> Acks = [];
        public readonly List<ActivityWrite> Writes = [];
        public readonly List<string> CausalityBreaks = [];
        public AlarmStateSet A = AlarmStateSet.Empty, B = AlarmStateSet.Empty;
        public DateTimeOffset End;
    }

    private static string AlarmId(int alarm) => $"projects/p/alarms/a{alarm}";

    private static Run Simulate(History history)
    {
        var start = ManualTimeProvider.Start;
        var nodes = new[] { new Node(new ManualTimeProvider(start), 1), new Node(new ManualTimeProvider(start.AddMilliseconds(history.SkewMs)), 2) };
        var run = new Run();
        foreach (var step in history.Steps)
        {
            var node = nodes[step.Node];
            var id = AlarmId(step.Alarm);
            var now = node.Time.GetUtcNow();
            HybridTimestamp Stamp()
            {
                var stamp = node.Clock.Now();
                if (stamp <= node.Seen) run.CausalityBreaks.Add($"{stamp} made after seeing {node.Seen}");
                node.Seen = stamp;
                return stamp;
            }
            AlarmStateSet delta = AlarmStateSet.Empty;
            switch (step.Kind)
            {
                case 0 or 1:
                    var stamp = Stamp();
                    // Whether this node had seen every write of the alarm so far: then it is the causally last one.
                    var afterEverything = run.Writes.Where(w => w.Alarm == id).All(w => w.Stamp <= node.Seen);
                    delta = AlarmStateChanges.Transition(node.State, id, step.Kind == 0, new AlarmTransition(now, step.Amount), stamp);
                    if (!delta.IsEmpty) run.Writes.Add(new ActivityWrite(id, step.Kind == 0, stamp, afterEverything));
                    break;
                case 2:
                    var (ack, _) = AlarmStateChanges.Acknowledge(node.State, id, $"op{step.Node}", step.Amount % 2 == 0 ? null : "note", now, Stamp(), now);
                    delta = ack;
                    if (!ack.IsEmpty) run.Acks.Add((id, ack[id].Acks.Single()));
                    break;
                case 3:
                    delta = AlarmStateChanges.Shelve(id, $"op{step.Node}", now, now.AddSeconds(1 + step.Amount), Stamp());
                    break;
                case 4:
                    delta = AlarmStateChanges.Unshelve(id, $"op{step.Node}", now, Stamp());
                    break;
                case 5:
                    node.Time.Advance(TimeSpan.FromMilliseconds(step.Amount));
                    break;
                case 6:
                    var peer = nodes[1 - step.Node];
                    var batch = step.Amount % 2 == 0 ? node.Outbox.AsEnumerable().Reverse().ToList() : node.Outbox.ToList();
                    if (step.Amount % 3 == 0 && batch.Count > 0) batch.Add(batch[0]);
                    foreach (var received in batch)
                    {
                        peer.State = peer.State.Merge(received);
                        peer.Seen = HybridTimestamp.Max(peer.Seen, peer.Clock.Observe(received.MaxStamp));
                    }
                    // An odd amount loses the second half of the queue for now: it stays queued and goes next time.
                    var kept = step.Amount % 5 == 0 ? node.Outbox.Skip(node.Outbox.Count / 2).ToList() : [];
                    node.Outbox.Clear();
                    node.Outbox.AddRange(kept);
                    break;
            }
            if (delta.IsEmpty) continue;
            node.State = node.State.Merge(delta);
            node.Outbox.Add(delta);
            run.Deltas.Add(delta);
        }
        run.A = nodes[0].State;
        run.B = nodes[1].State;
        run.End = nodes.Max(n => n.Time.GetUtcNow());
        return run;
    }

    private static Dictionary<string, AlarmRuntimeView> Views(AlarmStateSet state, DateTimeOffset at) =>
        Enumerable.Range(0, 3).Select(AlarmId).ToDictionary(id => id, id => AlarmViews.Derive(state[id], at));

    private static bool SameViews(AlarmStateSet a, AlarmStateSet b, DateTimeOffset at) =>
        Views(a, at).All(pair => pair.Value.Equals(Views(b, at)[pair.Key]));

    private static AlarmStateSet Subset(Run run, History history, int parity) =>
        run.Deltas.Where((_, i) => history.Order.Length > 0 && history.Order[i % history.Order.Length] % 2 == parity)
            .Aggregate(AlarmStateSet.Empty, (state, delta) => state.Merge(delta));

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300)]
    public bool Merge_is_commutative_associative_and_idempotent(History history)
    {
        var run = Simulate(history);
        var (a, b, c) = (run.A, run.B, Subset(run, history, parity: 0));
        return a.Merge(b).SameAs(b.Merge(a))
            && a.Merge(c).SameAs(c.Merge(a))
            && a.Merge(b).Merge(c).SameAs(a.Merge(b.Merge(c)))
            && a.Merge(a).SameAs(a)
            && a.Merge(b).Merge(b).SameAs(a.Merge(b))
            && a.Merge(b).Merge(a).SameAs(a.Merge(b));
    }

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300)]
    public bool Every_ack_made_on_either_side_is_in_the_merged_state(History history)
    {
        var run = Simulate(history);
        var merged = run.A.Merge(run.B);
        return run.Acks.All(made =>
            merged[made.Alarm].Acks.Contains(made.Ack)
            // Past the bound only the newest stay (the bound is part of the merge): this one was pushed out by newer ones.
            || merged[made.Alarm].Acks.Length == AlarmEntry.MaxAcksKept && merged[made.Alarm].Acks[0].Stamp > made.Ack.Stamp);
    }

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300)]
    public bool Replicas_that_received_the_same_deltas_in_any_order_derive_the_same_views(History history)
    {
        var run = Simulate(history);
        int Key(int i) => history.Order.Length == 0 ? i : history.Order[i % history.Order.Length] * 1_000 + i;
        var shuffled = run.Deltas.Select((delta, i) => (delta, key: Key(i))).OrderBy(x => x.key).Select(x => x.delta).ToList();
        var withDuplicates = shuffled.AsEnumerable().Reverse().Concat(shuffled.Where((_, i) => i % 3 == 0)).ToList();

        var first = shuffled.Aggregate(AlarmStateSet.Empty, (state, delta) => state.Merge(delta));
        var second = withDuplicates.Aggregate(AlarmStateSet.Empty, (state, delta) => delta.Merge(state));
        // The two nodes themselves, once each has the other's deltas, hold the same.
        var nodeA = run.Deltas.Aggregate(run.A, (state, delta) => state.Merge(delta));
        var nodeB = run.Deltas.Aggregate(run.B, (state, delta) => delta.Merge(state));
        return first.SameAs(second) && first.SameAs(nodeA) && nodeA.SameAs(nodeB)
            && SameViews(first, second, run.End) && SameViews(nodeA, nodeB, run.End) && SameViews(nodeA, nodeB, run.End.AddHours(1));
    }

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300)]
    public bool Cause_and_effect_decide_whatever_the_clock_skew(History history)
    {
        var run = Simulate(history);
        var merged = run.A.Merge(run.B);
        // The last write of an alarm made by a node that had seen all the others is the one both nodes show.
        var causallyLast = run.Writes.GroupBy(w => w.Alarm).Select(g => g.Last()).Where(w => w.AfterEverything);
        return run.CausalityBreaks.Count == 0
            && causallyLast.All(w => merged[w.Alarm].Activity!.Stamp == w.Stamp && AlarmViews.Derive(merged[w.Alarm], run.End).Active == w.Active);
    }

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 300)]
    public bool A_peer_holding_every_change_up_to_a_stamp_holds_the_whole_state_after_the_catch_up_since_it(History history)
    {
        var run = Simulate(history);
        var whole = run.Deltas.Aggregate(AlarmStateSet.Empty, (state, delta) => state.Merge(delta));
        var stamps = run.Deltas.Select(delta => delta.MaxStamp).Prepend(HybridTimestamp.Zero).ToList();
        var since = stamps[(history.Order.FirstOrDefault() + history.Steps.Length) % stamps.Count];
        var held = run.Deltas.Where(delta => delta.MaxStamp <= since).Aggregate(AlarmStateSet.Empty, (state, delta) => state.Merge(delta));

        var catchUp = ResumeRules.CatchUp(whole, since);

        // Nothing the peer holds is sent again, and with it the peer holds exactly the whole state.
        var onlyNewer = catchUp.Entries.Values.All(entry =>
            (entry.Activity is null || entry.Activity.Stamp > since) && (entry.Shelve is null || entry.Shelve.Stamp > since)
            && entry.Acks.All(ack => ack.Stamp > since));
        return onlyNewer && held.Merge(catchUp).SameAs(whole) && catchUp.Merge(held).SameAs(whole);
    }

    [Property(Arbitrary = [typeof(Histories)], MaxTest = 200)]
    public bool Every_delta_and_state_survives_the_codec(History history)
    {
        var run = Simulate(history);
        return run.Deltas.Append(run.A).Append(run.B).Append(run.A.Merge(run.B))
            .All(state => StateCodec.Decode(StateCodec.Encode(state)).SameAs(state));
    }
}
