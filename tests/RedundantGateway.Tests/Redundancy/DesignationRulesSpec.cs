using RedundantGateway.Configuration;
using RedundantGateway.Redundancy;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class DesignationRulesSpec
{
    private const string MasterAddress = "akka.tcp://redundant-gateway@10.0.0.1:8750";
    private const string BackupAddress = "akka.tcp://redundant-gateway@10.0.0.2:8751";

    private static CoordinatorReport Master(ActivityLevel level = ActivityLevel.Undecided, long epoch = 0, long? activeSince = null) =>
        new(MasterAddress, 1, "master", NodeRole.Master, level, epoch,
            activeSince ?? (level == ActivityLevel.Active ? 1_000 : null));

    private static CoordinatorReport Backup(ActivityLevel level = ActivityLevel.Undecided, long epoch = 0, long? activeSince = null) =>
        new(BackupAddress, 2, "backup", NodeRole.Backup, level, epoch,
            activeSince ?? (level == ActivityLevel.Active ? 2_000 : null));

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void A_fresh_pair_starts_with_the_master_active(RecoveryMode mode)
    {
        Assert.Equal(Master(), DesignationRules.ChooseActive([Backup(), Master()], mode));
        Assert.Equal(Master(ActivityLevel.Cold), DesignationRules.ChooseActive([Backup(ActivityLevel.Cold), Master(ActivityLevel.Cold)], mode));
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic, NodeRole.Master)]
    [InlineData(RecoveryMode.Automatic, NodeRole.Backup)]
    [InlineData(RecoveryMode.Manual, NodeRole.Master)]
    [InlineData(RecoveryMode.Manual, NodeRole.Backup)]
    public void A_node_alone_and_undecided_gets_no_designation(RecoveryMode mode, NodeRole role)
    {
        var alone = role == NodeRole.Master ? Master() : Backup();
        Assert.Null(DesignationRules.ChooseActive([alone], mode));
        Assert.Null(DesignationRules.ChooseActive([], mode));
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void A_node_alone_and_active_stays_active(RecoveryMode mode)
    {
        Assert.Equal(Backup(ActivityLevel.Active, 3), DesignationRules.ChooseActive([Backup(ActivityLevel.Active, 3)], mode));
        Assert.Equal(Master(ActivityLevel.Active, 3), DesignationRules.ChooseActive([Master(ActivityLevel.Active, 3)], mode));
    }

    [Fact]
    public void Automatic_recovery_gives_the_active_role_back_to_the_returning_master()
    {
        var chosen = DesignationRules.ChooseActive([Backup(ActivityLevel.Active, 2), Master(ActivityLevel.Cold, 1)], RecoveryMode.Automatic);
        Assert.Equal(NodeRole.Master, chosen!.Role);
    }

    [Fact]
    public void Manual_recovery_keeps_the_active_backup()
    {
        var chosen = DesignationRules.ChooseActive([Backup(ActivityLevel.Active, 2), Master(ActivityLevel.Cold, 1)], RecoveryMode.Manual);
        Assert.Equal(NodeRole.Backup, chosen!.Role);
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void An_active_master_with_a_standby_backup_stays_active(RecoveryMode mode)
    {
        var chosen = DesignationRules.ChooseActive([Master(ActivityLevel.Active, 1), Backup(ActivityLevel.Cold, 1)], mode);
        Assert.Equal(NodeRole.Master, chosen!.Role);
    }

    [Fact]
    public void Both_active_after_a_split_automatic_keeps_the_master()
    {
        // The backup was active first; automatic recovery still picks the master.
        var chosen = DesignationRules.ChooseActive(
            [Backup(ActivityLevel.Active, 3, activeSince: 100), Master(ActivityLevel.Active, 4, activeSince: 900)], RecoveryMode.Automatic);
        Assert.Equal(NodeRole.Master, chosen!.Role);
    }

    [Theory]
    [InlineData(100, 900, NodeRole.Backup)]
    [InlineData(900, 100, NodeRole.Master)]
    public void Both_active_after_a_split_manual_keeps_the_one_active_the_longest(long backupSince, long masterSince, NodeRole expected)
    {
        var chosen = DesignationRules.ChooseActive(
            [Master(ActivityLevel.Active, 4, activeSince: masterSince), Backup(ActivityLevel.Active, 3, activeSince: backupSince)], RecoveryMode.Manual);
        Assert.Equal(expected, chosen!.Role);
    }

    [Fact]
    public void Both_active_since_the_same_instant_manual_prefers_the_master()
    {
        var chosen = DesignationRules.ChooseActive(
            [Backup(ActivityLevel.Active, 3, activeSince: 500), Master(ActivityLevel.Active, 3, activeSince: 500)], RecoveryMode.Manual);
        Assert.Equal(NodeRole.Master, chosen!.Role);
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void On_a_merge_of_a_fresh_pair_the_backup_yields(RecoveryMode mode)
    {
        Assert.True(DesignationRules.YieldsOnMerge(Backup(), Master(), mode));
        Assert.False(DesignationRules.YieldsOnMerge(Master(), Backup(), mode));
    }

    [Fact]
    public void On_a_merge_with_automatic_recovery_the_side_that_is_not_the_master_yields()
    {
        var master = Master(ActivityLevel.Active, 4, activeSince: 900);
        var backup = Backup(ActivityLevel.Active, 3, activeSince: 100);
        Assert.True(DesignationRules.YieldsOnMerge(backup, master, RecoveryMode.Automatic));
        Assert.False(DesignationRules.YieldsOnMerge(master, backup, RecoveryMode.Automatic));

        // The active backup yields to a master that came back cold too.
        Assert.True(DesignationRules.YieldsOnMerge(backup, Master(ActivityLevel.Cold, 1), RecoveryMode.Automatic));
        Assert.False(DesignationRules.YieldsOnMerge(Master(ActivityLevel.Cold, 1), backup, RecoveryMode.Automatic));
    }

    [Fact]
    public void On_a_merge_with_manual_recovery_the_side_active_the_shortest_yields()
    {
        var master = Master(ActivityLevel.Active, 4, activeSince: 900);
        var backup = Backup(ActivityLevel.Active, 3, activeSince: 100);
        Assert.True(DesignationRules.YieldsOnMerge(master, backup, RecoveryMode.Manual));
        Assert.False(DesignationRules.YieldsOnMerge(backup, master, RecoveryMode.Manual));

        // An active backup stays; the cold master joins it.
        Assert.True(DesignationRules.YieldsOnMerge(Master(ActivityLevel.Cold, 1), backup, RecoveryMode.Manual));
        Assert.False(DesignationRules.YieldsOnMerge(backup, Master(ActivityLevel.Cold, 1), RecoveryMode.Manual));
    }

    [Theory]
    [InlineData(RecoveryMode.Automatic)]
    [InlineData(RecoveryMode.Manual)]
    public void Exactly_one_side_yields_on_a_merge(RecoveryMode mode)
    {
        var levels = new[] { ActivityLevel.Undecided, ActivityLevel.Cold, ActivityLevel.Warm, ActivityLevel.Active };
        foreach (var m in levels)
        foreach (var b in levels)
        foreach (var (mSince, bSince) in new[] { (100L, 200L), (200L, 100L) })
        {
            var master = Master(m, 2, m == ActivityLevel.Active ? mSince : null);
            var backup = Backup(b, 2, b == ActivityLevel.Active ? bSince : null);
            var masterYields = DesignationRules.YieldsOnMerge(master, backup, mode);
            var backupYields = DesignationRules.YieldsOnMerge(backup, master, mode);
            Assert.True(masterYields != backupYields, $"master {m}, backup {b} ({mode}): master yields {masterYields}, backup yields {backupYields}");
            // The side that stays is the one the rules would keep active.
            var keep = DesignationRules.ChooseActive([master, backup], mode);
            Assert.Equal(keep!.NodeAddress == MasterAddress, !masterYields);
        }
    }

    [Fact]
    public void NextEpoch_keeps_the_epoch_when_the_chosen_node_is_already_active_with_the_newest()
    {
        var master = Master(ActivityLevel.Active, 5);
        Assert.Equal(5, DesignationRules.NextEpoch(master, [master, Backup(ActivityLevel.Cold, 5)], currentEpoch: 5));
        Assert.Equal(5, DesignationRules.NextEpoch(master, [master, Backup(ActivityLevel.Cold, 4)], currentEpoch: 0));
    }

    // Epochs are role-owned (odd: master, even: backup); the newest epochs below are chosen so that newest+1
    // already has the chosen node's parity, i.e. these are the plain "newest + 1" cases.
    [Fact]
    public void NextEpoch_moves_past_the_newest_epoch_otherwise()
    {
        // Chosen not active yet.
        var coldMaster = Master(ActivityLevel.Cold, 4);
        Assert.Equal(5, DesignationRules.NextEpoch(coldMaster, [coldMaster, Backup(ActivityLevel.Cold, 4)], 4));
        var coldBackup = Backup(ActivityLevel.Cold, 3);
        Assert.Equal(4, DesignationRules.NextEpoch(coldBackup, [Master(ActivityLevel.Cold, 3), coldBackup], 3));
        // Chosen active but behind the peer's epoch.
        var activeMaster = Master(ActivityLevel.Active, 3);
        Assert.Equal(7, DesignationRules.NextEpoch(activeMaster, [activeMaster, Backup(ActivityLevel.Active, 6)], 2));
        // Chosen active but behind the designator's own epoch.
        Assert.Equal(9, DesignationRules.NextEpoch(activeMaster, [activeMaster], currentEpoch: 8));
        // Fresh pair.
        Assert.Equal(1, DesignationRules.NextEpoch(Master(), [Master(), Backup()], 0));
        Assert.Equal(1, DesignationRules.NextEpoch(Master(), [], 0));
    }

    [Fact]
    public void NextEpoch_skips_to_the_chosen_roles_parity()
    {
        var coldBackup = Backup(ActivityLevel.Cold, 4);
        Assert.Equal(6, DesignationRules.NextEpoch(coldBackup, [Master(ActivityLevel.Cold, 4), coldBackup], 4));
        var coldMaster = Master(ActivityLevel.Cold, 5);
        Assert.Equal(7, DesignationRules.NextEpoch(coldMaster, [coldMaster, Backup(ActivityLevel.Cold, 5)], 5));
    }

    [Theory]
    [InlineData(0L, NodeRole.Master, 1L)]
    [InlineData(1L, NodeRole.Master, 3L)]
    [InlineData(2L, NodeRole.Master, 3L)]
    [InlineData(0L, NodeRole.Backup, 2L)]
    [InlineData(1L, NodeRole.Backup, 2L)]
    [InlineData(2L, NodeRole.Backup, 4L)]
    [InlineData(6L, NodeRole.Independent, 7L)]
    public void EpochAbove_is_the_smallest_epoch_above_the_newest_that_belongs_to_the_role(long newest, NodeRole role, long expected)
    {
        Assert.Equal(expected, DesignationRules.EpochAbove(newest, role));
    }

    [Fact]
    public void The_same_epoch_can_never_name_both_nodes()
    {
        for (long newest = 0; newest < 50; newest++)
        {
            var master = DesignationRules.EpochAbove(newest, NodeRole.Master);
            var backup = DesignationRules.EpochAbove(newest, NodeRole.Backup);
            Assert.NotEqual(master, backup);
            Assert.Equal(1, master % 2);
            Assert.Equal(0, backup % 2);
            Assert.InRange(master, newest + 1, newest + 2);
            Assert.InRange(backup, newest + 1, newest + 2);
        }
    }

    [Fact]
    public void NextEpoch_is_always_above_every_epoch_seen_unless_kept()
    {
        var modes = new[] { ActivityLevel.Undecided, ActivityLevel.Cold, ActivityLevel.Active };
        for (long m = 0; m < 6; m++)
        for (long b = 0; b < 6; b++)
        for (long current = 0; current < 6; current++)
        foreach (var level in modes)
        {
            var chosen = Master(level, m);
            var reports = new[] { chosen, Backup(ActivityLevel.Cold, b) };
            var next = DesignationRules.NextEpoch(chosen, reports, current);
            var kept = level == ActivityLevel.Active && m >= Math.Max(b, current);
            if (kept) Assert.Equal(m, next);
            else Assert.True(next > Math.Max(m, Math.Max(b, current)), $"master {level} {m}, backup {b}, current {current}: {next}");
        }
    }
}
