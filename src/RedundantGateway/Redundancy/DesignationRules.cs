
namespace RedundantGateway.Redundancy;

/// <summary>Which node of the pair should be active: pure rules, shared by the designator and the cluster-merge decision.</summary>
public static class DesignationRules
{
    /// <summary>
    /// The node that should be active among the <paramref name="present"/> (reachable) nodes, or null
    /// to leave things as they are (a node alone and undecided waits for its join wait time).
    /// </summary>
    public static CoordinatorReport? ChooseActive(IReadOnlyCollection<CoordinatorReport> present, RecoveryMode mode)
    {
        // Two nodes with the same role (an operator's mistake): no master to fail back to, so the one active the
        // longest stays, as with manual recovery (RoleConflictRules says the same to each coordinator).
        if (HasRoleConflict(present)) mode = RecoveryMode.Manual;
        var master = present.Where(r => r.Role == NodeRole.Master).OrderBy(r => r.NodeAddress, StringComparer.Ordinal).FirstOrDefault();
        var active = present.Where(r => r.Level == ActivityLevel.Active).ToList();
        switch (active.Count)
        {
            case 0:
                // Both nodes here and nobody active yet (a fresh pair): the master starts active.
                return present.Count >= 2 ? master : null;
            case 1:
                var only = active[0];
                // Automatic recovery: the master takes over again as soon as it is back.
                if (mode == RecoveryMode.Automatic && only.Role != NodeRole.Master && master is not null) return master;
                return only;
            default:
                // Both active (after a partition): automatic -> the master; manual -> the one active the longest,
                // that is the one that was active before the split.
                if (mode == RecoveryMode.Automatic && master is not null) return master;
                return active
                    .OrderBy(r => r.ActiveSinceMs ?? long.MaxValue)
                    .ThenBy(r => r.Role == NodeRole.Master ? 0 : 1)
                    .ThenBy(r => r.NodeAddress, StringComparer.Ordinal)
                    .First();
        }
    }

    /// <summary>Two or more nodes present, all configured with the same role (both masters, or both backups).</summary>
    public static bool HasRoleConflict(IReadOnlyCollection<CoordinatorReport> present) =>
        present.Count >= 2 && present.Select(r => r.Role).Distinct().Count() == 1;

    /// <summary>
    /// Two separate clusters were found: does <paramref name="self"/> restart its actor system and join
    /// the <paramref name="peer"/>'s? The side that the rules would not keep active yields.
    /// </summary>
    public static bool YieldsOnMerge(CoordinatorReport self, CoordinatorReport peer, RecoveryMode mode)
    {
        var keep = ChooseActive([self, peer], mode);
        if (keep is null) return self.Role != NodeRole.Master;
        return keep.NodeAddress != self.NodeAddress;
    }

    /// <summary>The epoch of a designation of <paramref name="chosen"/>: kept when it already holds the newest one.</summary>
    public static long NextEpoch(CoordinatorReport chosen, IEnumerable<CoordinatorReport> reports, long currentEpoch)
    {
        var newest = Math.Max(currentEpoch, reports.Select(r => r.Epoch).DefaultIfEmpty(0).Max());
        return chosen.Level == ActivityLevel.Active && chosen.Epoch >= newest ? chosen.Epoch : EpochAbove(newest, chosen.Role);
    }

    /// <summary>
    /// The smallest epoch above <paramref name="newest"/> that belongs to <paramref name="role"/>: odd epochs are
    /// the master's, even ones the backup's. Both nodes may decide alone during a split; this way the same
    /// epoch can never name two different active nodes, so it stays a sound fencing token.
    /// </summary>
    public static long EpochAbove(long newest, NodeRole role)
    {
        var next = newest + 1;
        var wantOdd = role != NodeRole.Backup;
        return (next % 2 == 1) == wantOdd ? next : next + 1;
    }
}
