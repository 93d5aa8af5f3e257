using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>
/// Issue 10, item 1: the master's decision on whose configuration to keep when a backup pulls. A backup only
/// holds what a master acknowledged: one ahead of its master means the master's store lost revisions.
/// </summary>
public sealed class AuthorityRulesSpec
{
    private const string System = "sys-a";

    private static ConfigDocument Document(string? identity, long revisions)
    {
        var document = identity is null ? ConfigDocument.Empty : ConfigDocument.Empty.WithIdentity(identity);
        for (var r = 1; r <= revisions; r++) document = document.Apply(r, $"t/e{r}", r.ToString());
        return document;
    }

    private static PullConfigUpdates Pull(ConfigDocument backup) =>
        new(1, backup.Identity, backup.Revision, "modules", "backup", backup.Revision == 0 && backup.Identity is null ? "" : backup.Digest);

    private static AuthorityDecision Decide(ConfigDocument master, long startRevision, ConfigDocument backup, bool startOver = false) =>
        AuthorityRules.Decide(master, startRevision, Pull(backup),
            backup.Revision <= master.Revision ? Document(master.Identity, backup.Revision).Digest : null, startOver);

    [Fact]
    public void A_backup_with_nothing_or_behind_or_equal_is_served()
    {
        var master = Document(System, 20);
        Assert.Equal(AuthorityVerdict.Serve, Decide(master, 20, Document(null, 0)).Verdict);
        Assert.Equal(AuthorityVerdict.Serve, Decide(master, 20, Document(System, 12)).Verdict);
        Assert.Equal(AuthorityVerdict.Serve, Decide(master, 20, Document(System, 20)).Verdict);
        // A backup that followed this master's edits since its start (revisions past the start revision, same content).
        Assert.Equal(AuthorityVerdict.Serve, Decide(master, 5, Document(System, 18)).Verdict);
    }

    [Fact]
    public void A_master_restored_to_an_older_store_adopts_the_backups_newer_configuration()
    {
        var decision = Decide(Document(System, 10), 10, Document(System, 20));
        Assert.Equal(AuthorityVerdict.AdoptBackup, decision.Verdict);
        Assert.Contains("revision 20", decision.Reason);
        Assert.Contains("ahead of this master's 10", decision.Reason);
    }

    [Fact]
    public void A_master_with_an_empty_store_adopts_the_backups_configuration_whatever_its_identity()
    {
        var backup = Document(System, 7);
        Assert.Equal(AuthorityVerdict.AdoptBackup, Decide(Document("sys-new", 0), 0, backup).Verdict);
        Assert.Equal(AuthorityVerdict.AdoptBackup, Decide(Document(null, 0), 0, backup).Verdict);
        Assert.Contains("empty", Decide(Document("sys-new", 0), 0, backup).Reason);
        // Both empty: nothing to adopt, the backup takes the master's identity.
        Assert.Equal(AuthorityVerdict.Serve, Decide(Document("sys-new", 0), 0, Document("sys-old", 0)).Verdict);
    }

    [Fact]
    public void A_master_behind_that_took_edits_since_its_start_refuses_edits()
    {
        // Restored to revision 10, then 2 edits (revisions 11 and 12 of other content); the backup is at 20.
        var decision = Decide(Document(System, 12), 10, Document(System, 20));
        Assert.Equal(AuthorityVerdict.RefuseEdits, decision.Verdict);
        Assert.Contains("started at revision 10", decision.Reason);
    }

    [Fact]
    public void A_master_that_overtook_a_backup_it_had_lost_revisions_of_refuses_edits()
    {
        var master = Document(System, 25);   // started at 10, 15 edits since
        var backup = Document(System, 20).Apply(21, "t/other", "1");   // 21 revisions of which 11 to 21 the master never had
        var decision = AuthorityRules.Decide(master, 10, Pull(backup), "digest-the-master-had-at-21", startOver: false);
        Assert.Equal(AuthorityVerdict.RefuseEdits, decision.Verdict);
        Assert.Contains("differs", decision.Reason);
    }

    [Fact]
    public void A_master_started_empty_that_took_edits_refuses_to_overwrite_another_identity()
    {
        var decision = Decide(Document("sys-new", 3), 0, Document(System, 8));
        Assert.Equal(AuthorityVerdict.RefuseEdits, decision.Verdict);
        Assert.Contains(System, decision.Reason);
        // A master that had its configuration when it started pushes it over another system's (the backup keeps a copy).
        Assert.Equal(AuthorityVerdict.Serve, Decide(Document("sys-new", 3), 3, Document(System, 8)).Verdict);
    }

    [Fact]
    public void Start_over_keeps_the_masters_configuration()
    {
        Assert.Equal(AuthorityVerdict.Serve, Decide(Document(System, 10), 10, Document(System, 20), startOver: true).Verdict);
        Assert.Equal(AuthorityVerdict.Serve, Decide(Document("sys-new", 0), 0, Document(System, 8), startOver: true).Verdict);
        Assert.Equal(AuthorityVerdict.Serve, Decide(Document("sys-new", 3), 0, Document(System, 8), startOver: true).Verdict);
    }
}
