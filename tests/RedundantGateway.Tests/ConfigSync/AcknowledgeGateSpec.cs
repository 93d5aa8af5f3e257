using Microsoft.Data.Sqlite;
using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The master's acknowledgement decisions (config-sync.acknowledge), apart from the actor.</summary>
public sealed class AcknowledgeGateSpec
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(10);

    private static AcknowledgeGate Gate(AcknowledgeMode mode = AcknowledgeMode.Backup) => new(mode, Silence);

    private static BackupProgress Pulled(long revision, long master, bool following = true, DateTimeOffset? at = null) =>
        new(revision, master, following, at ?? T0);

    [Fact]
    public void With_backup_an_edit_waits_until_the_backup_holds_its_revision()
    {
        var gate = Gate().Progress(Pulled(10, 10)).Gate;

        Assert.Equal(AcknowledgeMode.Backup, gate.Effective(T0));
        Assert.True(gate.MustWait(11, T0));
        Assert.False(gate.MustWait(10, T0));   // an unchanged edit of a revision the backup has

        var after = gate.Progress(Pulled(11, 12, at: T0.AddMilliseconds(5))).Gate;
        Assert.False(after.MustWait(11, T0.AddMilliseconds(5)));
        Assert.True(after.MustWait(12, T0.AddMilliseconds(5)));
    }

    [Fact]
    public void With_master_no_edit_waits()
    {
        var gate = Gate(AcknowledgeMode.Master).Progress(Pulled(10, 10)).Gate;

        Assert.Equal(AcknowledgeMode.Master, gate.Effective(T0));
        Assert.False(gate.MustWait(11, T0));
    }

    [Fact]
    public void Without_a_backup_heard_or_following_the_master_acknowledges_alone()
    {
        Assert.False(Gate().MustWait(1, T0));   // never heard of one
        Assert.Equal(AcknowledgeMode.Master, Gate().Effective(T0));

        var silent = Gate().Progress(Pulled(10, 10)).Gate;
        Assert.True(silent.MustWait(11, T0 + Silence - TimeSpan.FromMilliseconds(1)));
        Assert.False(silent.MustWait(11, T0 + Silence));

        // A backup that needs a full transfer (another identity, too far behind) is not in sync.
        var transferring = Gate().Progress(Pulled(3, 10, following: false)).Gate;
        Assert.False(transferring.MustWait(11, T0));
        Assert.Equal(AcknowledgeMode.Master, transferring.Effective(T0));
    }

    [Fact]
    public void A_degraded_gate_acknowledges_alone_until_the_backup_has_caught_up()
    {
        var degraded = Gate().Progress(Pulled(10, 10)).Gate.Degrade();
        Assert.Equal(AcknowledgeMode.Master, degraded.Effective(T0));
        Assert.False(degraded.MustWait(11, T0));

        // Following but still behind the master: not yet.
        var (behind, restoredBehind) = degraded.Progress(Pulled(11, 15));
        Assert.False(restoredBehind);
        Assert.True(behind.Degraded);
        Assert.False(behind.MustWait(16, T0));

        // A full transfer under way does not restore it either.
        var (transferring, restoredTransferring) = behind.Progress(Pulled(15, 15, following: false));
        Assert.False(restoredTransferring);
        Assert.True(transferring.Degraded);

        var (caughtUp, restored) = transferring.Progress(Pulled(15, 15));
        Assert.True(restored);
        Assert.False(caughtUp.Degraded);
        Assert.Equal(AcknowledgeMode.Backup, caughtUp.Effective(T0));
        Assert.True(caughtUp.MustWait(16, T0));

        // Progress of a gate that is not degraded never says "restored".
        Assert.False(caughtUp.Progress(Pulled(16, 16)).Restored);
    }

    [Fact]
    public void The_setting_and_timeout_come_from_config_sync()
    {
        var sync = TestSupport.Settings("config-sync { acknowledge = master, acknowledge-timeout = 750ms }").ConfigSync;
        Assert.Equal(AcknowledgeMode.Master, sync.Acknowledge);
        Assert.Equal(TimeSpan.FromMilliseconds(750), sync.AcknowledgeTimeout);
        var defaults = TestSupport.Settings("").ConfigSync;
        Assert.Equal(AcknowledgeMode.Backup, defaults.Acknowledge);
        Assert.Equal(TimeSpan.FromSeconds(2), defaults.AcknowledgeTimeout);
        Assert.Equal(defaults.LongPollTimeout + defaults.PeerSilenceMargin, AcknowledgeGate.Create(defaults).PeerSilence);
    }
}

/// <summary>How a failed write of the config store is told to operators.</summary>
public sealed class StoreFailureSpec
{
    private const string Location = "/var/lib/gw/config-store/config.db";

    [Fact]
    public void SQLite_full_wrapped_by_the_journal_is_a_full_disk()
    {
        var full = new SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
        var wrapped = new AggregateException(new InvalidOperationException("journal write failed", full));

        Assert.Equal(new StoreFailure(true, $"disk full at {Location}"), StoreFailure.Describe(wrapped, Location));
    }

    [Fact]
    public void No_space_left_on_device_is_a_full_disk()
    {
        var io = new IOException("No space left on device : '/var/lib/gw/x'");
        Assert.True(StoreFailure.Describe(io, Location).DiskFull);
    }

    [Fact]
    public void Another_failure_names_the_location_and_the_innermost_reason_in_one_line()
    {
        var locked = new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.\nmore detail", 8);
        var failure = StoreFailure.Describe(new InvalidOperationException("outer", locked), Location);

        Assert.False(failure.DiskFull);
        Assert.Equal($"{Location} could not be written: SQLite Error 8: 'attempt to write a readonly database'.", failure.Problem);
    }
}
