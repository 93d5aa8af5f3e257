using Akka.Configuration;
using RedundantGateway.Configuration;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>Unknown and misplaced keys are refused with the key and the nearest known one (issue 10, item 5).</summary>
public sealed class KeyValidatorSpec : IDisposable
{
    private readonly string _tempDir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_tempDir);

    private static readonly KeySpec Spec = new(
        new HashSet<string> { "rg.role", "rg.redundancy.recovery-mode", "rg.redundancy.failover-timeout", "rg.web.port", "rg.cluster.port" },
        new HashSet<string> { "rg", "rg.redundancy", "rg.web", "rg.cluster" },
        new HashSet<string> { "akka" });

    private static KeyProblem? Check(params (string Path, KeyShape Shape)[] keys) =>
        KeyValidator.FirstProblem(keys.Select(k => new GivenKey(k.Path, k.Shape)), Spec);

    private static (string, KeyShape) S(string path) => (path, KeyShape.Setting);

    private static (string, KeyShape) B(string path) => (path, KeyShape.Block);

    [Fact]
    public void Known_keys_and_anything_under_an_open_block_pass()
    {
        Assert.Null(Check(B("rg"), S("rg.role"), B("rg.redundancy"), S("rg.redundancy.recovery-mode"), B("akka"),
            B("akka.remote"), S("akka.remote.whatever-akka-reads")));
        Assert.Null(Check(("rg.web", KeyShape.Substitution)));
    }

    [Fact]
    public void A_misspelled_key_is_named_with_the_nearest_known_key()
    {
        var problem = Check(B("rg"), B("rg.redundancy"), S("rg.redundancy.recovery-mdoe"));

        Assert.Equal(new KeyProblem("rg.redundancy.recovery-mdoe", "unknown key", "rg.redundancy.recovery-mode"), problem);
        Assert.Equal("rg.redundancy.recovery-mdoe: unknown key (nearest known key: rg.redundancy.recovery-mode)", problem!.Describe());
    }

    [Fact]
    public void A_misspelled_block_is_named_at_the_block()
    {
        var problem = Check(B("rg"), B("rg.redundacy"), S("rg.redundacy.recovery-mode"));

        Assert.Equal("rg.redundacy", problem?.Path);
        Assert.Equal("rg.redundancy", problem?.Nearest);
    }

    [Theory]
    [InlineData("rg.recovery-mode", "rg.redundancy.recovery-mode")]   // the block around it left out
    [InlineData("recovery-mode", "rg.redundancy.recovery-mode")]      // outside the whole section
    [InlineData("redundancy.failover-timeout", "rg.redundancy.failover-timeout")]
    [InlineData("rg.web.failover-timeout", "rg.redundancy.failover-timeout")] // in another block
    public void A_setting_written_outside_its_block_names_where_it_belongs(string path, string home)
    {
        var problem = Check(S(path));

        Assert.Equal(path, problem?.Path);
        Assert.Equal(home, problem?.Nearest);
        Assert.Contains("outside its block", problem!.Problem);
    }

    [Fact]
    public void Of_several_blocks_holding_the_same_setting_the_nearest_is_named()
    {
        Assert.Equal("rg.web.port", Check(S("web.port"))?.Nearest);
        Assert.Equal("rg.cluster.port", Check(S("cluster.port"))?.Nearest);
    }

    [Fact]
    public void A_block_where_a_value_belongs_and_a_value_where_a_block_belongs_are_refused()
    {
        Assert.Equal("rg.role", Check(B("rg"), B("rg.role"), S("rg.role.primary"))?.Path);
        Assert.Equal("rg.web", Check(B("rg"), S("rg.web"))?.Path);
    }

    [Fact]
    public void The_first_problem_in_the_given_order_is_reported()
    {
        Assert.Equal("rg.a-typo", Check(B("rg"), S("rg.a-typo"), S("rg.another-typo"))?.Path);
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("recovery-mode", "recovery-mdoe", 2)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("port", "", 4)]
    public void Edit_distance_is_levenshtein(string a, string b, int distance)
    {
        Assert.Equal(distance, KeyValidator.EditDistance(a, b));
        Assert.Equal(distance, KeyValidator.EditDistance(b, a));
    }

    // ---------- against the real reference.conf ----------

    [Fact]
    public void The_spec_holds_every_setting_of_the_reference_conf_and_the_moved_keys()
    {
        var spec = ConfigKeys.Gateway;
        Assert.Contains("redundant-gateway.redundancy.recovery-mode", spec.Settings);
        Assert.Contains("redundant-gateway.tags.disconnected-providers", spec.Settings);
        Assert.Contains("redundant-gateway.redundancy.sync-timeout", spec.Settings);
        Assert.Contains("redundant-gateway.config-sync", spec.Blocks);
        Assert.DoesNotContain("redundant-gateway.config-sync", spec.Settings);
        Assert.Null(KeyValidator.FirstProblem(ConfigKeys.GivenUnderGateway(GatewayConfig.Reference), spec));
    }

    [Fact]
    public void A_node_file_with_a_typo_is_refused_with_one_line_naming_the_file_the_key_and_the_nearest_key()
    {
        var path = Path.Combine(_tempDir, "typo.hocon");
        File.WriteAllText(path, "redundant-gateway.redundancy.recovery-mdoe = manual\n");

        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.LoadFiles([path]));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal($"{path}: redundant-gateway.redundancy.recovery-mdoe: unknown key (nearest known key: redundant-gateway.redundancy.recovery-mode)",
            error.Message);
    }

    [Theory]
    [InlineData("redundancy { recovery-mode = manual }", "redundancy", "redundant-gateway.redundancy")]
    [InlineData("redundancy.recovery-mode = manual", "redundancy", "redundant-gateway.redundancy")]
    [InlineData("recovery-mode = manual", "recovery-mode", "redundant-gateway.redundancy.recovery-mode")]
    [InlineData("redundant-gateway.recovery-mode = manual", "redundant-gateway.recovery-mode", "redundant-gateway.redundancy.recovery-mode")]
    [InlineData("redundant-gatway { role = master }", "redundant-gatway", "redundant-gateway")]
    [InlineData("redundant-gateway.cluster.bind-hostname = \"0.0.0.0\"", "redundant-gateway.cluster.bind-hostname", "redundant-gateway.cluster.hostname")]
    public void A_node_file_is_refused_for_keys_outside_their_block_or_section(string hocon, string key, string nearest)
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.CheckKeys(GatewayConfig.Parse(hocon, "n.hocon"), "n.hocon"));

        Assert.StartsWith($"n.hocon: {key}: ", error.Message);
        Assert.EndsWith($"(nearest known key: {nearest})", error.Message);
    }

    [Fact]
    public void A_node_file_may_tune_akka_and_every_shipped_file_passes()
    {
        GatewayConfig.CheckKeys(GatewayConfig.Parse("akka.remote.dot-netty.tcp.maximum-frame-size = 2MiB\nakka.loglevel = DEBUG", "a.hocon"), "a.hocon");
        foreach (var file in Directory.GetFiles(Path.Combine(TestSupport.RepoRoot, "hocon"), "*.hocon"))
            GatewayConfig.LoadFiles([file]);
    }

    [Fact]
    public void Settings_assembled_by_an_embedding_host_are_checked_in_our_section_only()
    {
        var host = ConfigurationFactory.ParseString("my-host.anything = 1\nredundant-gateway.role = master");
        Assert.Equal(NodeRole.Master, GatewaySettings.Create(host, "host").Role);

        var typo = ConfigurationFactory.ParseString("my-host.anything = 1\nredundant-gateway.redundancy.recovery-mdoe = manual");
        var error = Assert.Throws<GatewayConfigException>(() => GatewaySettings.Create(typo, "host"));
        Assert.Contains("redundant-gateway.redundancy.recovery-mdoe", error.Message);
    }

    [Fact]
    public void A_wildcard_cluster_hostname_is_refused_unless_a_public_hostname_is_set()
    {
        var error = Assert.Throws<GatewayConfigException>(() =>
            TestSupport.Settings("cluster.hostname = \"0.0.0.0\"", "w.hocon"));
        Assert.StartsWith("w.hocon: redundant-gateway.cluster.hostname: ", error.Message);
        Assert.Contains("public-hostname", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        Assert.Throws<GatewayConfigException>(() => TestSupport.Settings("cluster.hostname = \"::\"", "w.hocon"));
        Assert.Throws<GatewayConfigException>(() => TestSupport.Settings("cluster.public-hostname = \"0.0.0.0\"", "w.hocon"));
        var bound = TestSupport.Settings("cluster { hostname = \"0.0.0.0\", public-hostname = \"10.0.0.1\" }");
        Assert.Equal(new NodeEndpoint("10.0.0.1", 8750), bound.PublicEndpoint);
    }
}
