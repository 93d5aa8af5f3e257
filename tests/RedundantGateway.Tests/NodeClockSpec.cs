using RedundantGateway.Tests.Alarms;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>The node's runtime clock: a test's offset moves the wall clock only.</summary>
public sealed class NodeClockSpec
{
    [Fact]
    public void No_offset_is_the_system_clock()
    {
        Assert.Same(TimeProvider.System, NodeClock.For(TimeSpan.Zero));
    }

    [Fact]
    public void An_offset_shifts_the_wall_clock_and_follows_it()
    {
        var inner = new ManualTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        var behind = new OffsetTimeProvider(inner, TimeSpan.FromMinutes(-5));

        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 55, 0, TimeSpan.Zero), behind.GetUtcNow());
        inner.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 9, 55, 3, TimeSpan.Zero), behind.GetUtcNow());
        // Elapsed time is the inner clock's (a wrong wall clock does not change how fast time passes).
        Assert.Equal(inner.TimestampFrequency, behind.TimestampFrequency);
    }
}
