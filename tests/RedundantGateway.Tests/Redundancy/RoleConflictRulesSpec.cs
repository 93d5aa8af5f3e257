using RedundantGateway.Configuration;
using RedundantGateway.Liveness;
using RedundantGateway.Redundancy;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class RoleConflictRulesSpec
{
    private const string A = "akka.tcp://redundant-gateway@10.0.0.1:8750";
    private const string B = "akka.tcp://redundant-gateway@10.0.0.2:8750";

    private static PeerActivity Active(NodeRole role, long since, long epoch = 1) => new(role, ActivityLevel.Active, epoch, since);
    private static PeerActivity Cold(NodeRole role) => new(role, ActivityLevel.Cold, 1, null);

    [Theory]
    [InlineData(NodeRole.Master, NodeRole.Master, "both nodes are configured as master")]
    [InlineData(NodeRole.Backup, NodeRole.Backup, "both nodes are configured as backup")]
    [InlineData(NodeRole.Master, NodeRole.Backup, null)]
    [InlineData(NodeRole.Backup, NodeRole.Master, null)]
    [InlineData(NodeRole.Independent, NodeRole.Independent, null)]
    public void Same_roles_are_a_conflict(NodeRole self, NodeRole peer, string? problem)
    {
        Assert.Equal(problem, RoleConflictRules.Describe(self, peer));
    }

    [Fact]
    public void Two_undecided_masters_at_the_end_of_their_join_wait_only_the_smaller_address_goes_active()
    {
        var undecided = new PeerActivity(NodeRole.Master, ActivityLevel.Undecided, 0, null);
        Assert.True(RoleConflictRules.StandsByAtJoinWait(B, NodeRole.Master, A, undecided));
        Assert.False(RoleConflictRules.StandsByAtJoinWait(A, NodeRole.Master, B, undecided));
        // No conflict, or a peer that decided already: the usual rules.
        Assert.False(RoleConflictRules.StandsByAtJoinWait(B, NodeRole.Master, A, undecided with { Role = NodeRole.Backup }));
        Assert.False(RoleConflictRules.StandsByAtJoinWait(B, NodeRole.Master, A, Cold(NodeRole.Master)));
    }

    [Theory]
    [InlineData(NodeRole.Master)]
    [InlineData(NodeRole.Backup)]
    public void With_both_active_the_one_active_the_longest_stays(NodeRole role)
    {
        var older = Active(role, since: 1_000);
        var younger = Active(role, since: 2_000);
        Assert.True(RoleConflictRules.StandsDown(A, younger, B, older));
        Assert.False(RoleConflictRules.StandsDown(B, older, A, younger));
    }

    [Fact]
    public void On_a_tie_exactly_one_side_stands_down()
    {
        var a = Active(NodeRole.Master, since: 1_000);
        var b = Active(NodeRole.Master, since: 1_000);
        Assert.NotEqual(RoleConflictRules.StandsDown(A, a, B, b), RoleConflictRules.StandsDown(B, b, A, a));
    }

    [Fact]
    public void Nothing_stands_down_without_a_conflict_or_a_second_active_node()
    {
        Assert.False(RoleConflictRules.StandsDown(A, Active(NodeRole.Backup, 2_000), B, Active(NodeRole.Master, 1_000)));
        Assert.False(RoleConflictRules.StandsDown(A, Active(NodeRole.Master, 2_000), B, Cold(NodeRole.Master)));
        Assert.False(RoleConflictRules.StandsDown(A, Cold(NodeRole.Master), B, Active(NodeRole.Master, 1_000)));
    }

    [Fact]
    public void With_a_conflict_a_node_may_not_become_active_while_its_peer_is()
    {
        Assert.False(RoleConflictRules.MayBecomeActive(NodeRole.Master, Active(NodeRole.Master, 1_000)));
        Assert.True(RoleConflictRules.MayBecomeActive(NodeRole.Master, Cold(NodeRole.Master)));
        Assert.True(RoleConflictRules.MayBecomeActive(NodeRole.Master, null));
        Assert.True(RoleConflictRules.MayBecomeActive(NodeRole.Backup, Active(NodeRole.Master, 1_000)));
    }

    [Fact]
    public void The_designator_keeps_the_master_active_the_longest_even_with_automatic_recovery()
    {
        var older = new CoordinatorReport(B, 2, "m2", NodeRole.Master, ActivityLevel.Active, 3, 1_000);
        var younger = new CoordinatorReport(A, 1, "m1", NodeRole.Master, ActivityLevel.Active, 5, 2_000);
        Assert.Equal(older, DesignationRules.ChooseActive([younger, older], RecoveryMode.Automatic));
        Assert.Equal(older, DesignationRules.ChooseActive([older, younger], RecoveryMode.Automatic));
        Assert.True(DesignationRules.HasRoleConflict([older, younger]));
    }

    [Fact]
    public void Two_backups_present_are_a_conflict_and_the_active_one_stays()
    {
        var active = new CoordinatorReport(A, 1, "b1", NodeRole.Backup, ActivityLevel.Active, 2, 1_000);
        var cold = new CoordinatorReport(B, 2, "b2", NodeRole.Backup, ActivityLevel.Cold, 2, null);
        Assert.True(DesignationRules.HasRoleConflict([active, cold]));
        Assert.Equal(active, DesignationRules.ChooseActive([cold, active], RecoveryMode.Automatic));
    }
}
