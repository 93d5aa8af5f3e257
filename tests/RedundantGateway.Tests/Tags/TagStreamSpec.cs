using Akka.Actor;
using RedundantGateway.Tags;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Tags;

/// <summary>The stream's bridge and buffer: a slow consumer gets the latest value per path, never a queue.</summary>
public sealed class TagStreamSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static TagValue Value(string path, double value) => new(path, value, TagQuality.Good, DateTimeOffset.UnixEpoch.AddSeconds(value));

    [Fact]
    public async Task A_slow_consumer_gets_only_the_latest_value_of_each_path()
    {
        var engine = CreateTestProbe();
        var buffer = new TagStreamBuffer(100);
        var bridge = Sys.ActorOf(TagStreamBridge.Props(engine.Ref, TagSelection.ByPrefix("tags/"), buffer));
        var subscribe = engine.ExpectMsg<SubscribeTags>(Deadline);
        Assert.Equal(bridge, subscribe.Subscriber);

        bridge.Tell(new TagSnapshot(ActivityLevel.Active, [Value("tags/a", 0)]));
        var first = await buffer.TakeAsync(CancellationToken.None);
        Assert.Equal(ActivityLevel.Active, first.Snapshot!.Level);

        // The consumer does not read while 3 000 changes of 3 paths arrive.
        for (var i = 1; i <= 1000; i++)
            bridge.Tell(new TagsChanged([Value("tags/a", i), Value("tags/b", i), Value("tags/c", i)]));
        // Identify is handled in mailbox order: once answered, the bridge has passed every change to the buffer.
        await bridge.Ask<ActorIdentity>(new Identify(1), Deadline);
        Assert.Equal(3, buffer.PendingPaths);
        var batch = await buffer.TakeAsync(CancellationToken.None);
        Assert.Null(batch.Snapshot);
        Assert.Equal(3, batch.Changes.Count);
        Assert.All(batch.Changes, c => Assert.Equal(1000.0, c.Value));
        var latest = batch.Changes.ToDictionary(c => c.Path);
        Assert.Equal(["tags/a", "tags/b", "tags/c"], latest.Keys.Order());

        bridge.Tell(new TagLevelChanged(ActivityLevel.Cold));
        Assert.Equal(ActivityLevel.Cold, (await buffer.TakeAsync(CancellationToken.None)).Level);

        Sys.Stop(bridge);
        Assert.Equal(bridge, engine.ExpectMsg<UnsubscribeTags>(Deadline).Subscriber);
    }

    [Fact]
    public async Task An_idle_take_answers_null_for_a_heartbeat_and_a_later_value_still_arrives()
    {
        var buffer = new TagStreamBuffer(100);
        Assert.Null(await buffer.TakeAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));

        var take = buffer.TakeAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        buffer.OnChanges([Value("tags/a", 1)]);
        var batch = await take;
        Assert.NotNull(batch);
        Assert.Equal("tags/a", Assert.Single(batch.Changes).Path);
    }

    [Fact]
    public async Task The_buffer_is_bounded_by_the_number_of_paths()
    {
        var buffer = new TagStreamBuffer(10);
        for (var round = 0; round < 100; round++)
            buffer.OnChanges(Enumerable.Range(0, 5).Select(i => Value($"tags/{i}", round)).ToList());
        Assert.Equal(5, buffer.PendingPaths);
        var batch = await buffer.TakeAsync(CancellationToken.None);
        Assert.Equal(5, batch.Changes.Count);
        Assert.All(batch.Changes, c => Assert.Equal(99.0, c.Value));
        Assert.Null(batch.Ended);

        buffer.OnChanges(Enumerable.Range(0, 11).Select(i => Value($"tags/{i}", 1)).ToList());
        Assert.NotNull((await buffer.TakeAsync(CancellationToken.None)).Ended);
    }

    [Fact]
    public async Task The_stream_ends_when_the_engine_stops()
    {
        var engine = CreateTestProbe();
        var buffer = new TagStreamBuffer(10);
        Sys.ActorOf(TagStreamBridge.Props(engine.Ref, TagSelection.All, buffer));
        engine.ExpectMsg<SubscribeTags>(Deadline);
        Sys.Stop(engine.Ref);
        using var timeout = new CancellationTokenSource(Deadline);
        Assert.Contains("tag engine stopped", (await buffer.TakeAsync(timeout.Token)).Ended);
    }
}
