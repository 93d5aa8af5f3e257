namespace RedundantGateway;

/// <summary>
/// The one wall clock of a node's runtime: the tag engine's sample times, the alarm engine's transition, ack and
/// shelve times, and the alarm state's hybrid clock all read it, so a test's clock offset
/// (<see cref="TestingSettings.ClockOffset"/>) shifts them alike, as a machine with a wrong clock would.
/// </summary>
public static class NodeClock
{
    /// <summary>The system clock, or the system clock shifted by <paramref name="offset"/>.</summary>
    public static TimeProvider For(TimeSpan offset) =>
        offset == TimeSpan.Zero ? TimeProvider.System : new OffsetTimeProvider(TimeProvider.System, offset);
}

/// <summary>
/// <paramref name="inner"/>'s wall clock plus <paramref name="offset"/>. Only the wall clock moves: timestamps (elapsed
/// time) and timers stay the inner provider's, as on a machine whose clock is merely set wrong.
/// </summary>
public sealed class OffsetTimeProvider(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
