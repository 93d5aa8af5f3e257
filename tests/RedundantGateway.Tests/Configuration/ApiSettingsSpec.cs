using Akka.Configuration;
using RedundantGateway.Configuration;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>redundant-gateway.api: the token from the HOCON or from a file, one-line errors that never show it, and its comparison.</summary>
public sealed class ApiSettingsSpec : IDisposable
{
    private const string Source = "conf/node-a.hocon";
    private const string Secret = "s3cr3t-t0ken-value";
    private readonly string _tempDir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_tempDir);

    private static GatewaySettings FromHocon(string hocon) => GatewaySettings.Create(GatewayConfig.Parse(hocon, Source), Source);

    private string TokenFile(string text)
    {
        var path = Path.Combine(_tempDir, "token");
        File.WriteAllText(path, text);
        return path.Replace("\\", "/");
    }

    [Fact]
    public void By_default_there_is_no_token_and_everything_is_allowed()
    {
        var api = GatewaySettings.Create(ConfigurationFactory.Empty, Source).Api;
        Assert.False(api.HasToken);
        Assert.False(api.ProtectReads);
        Assert.True(api.Allows(null));
        Assert.True(api.Allows("anything"));
    }

    [Fact]
    public void The_token_is_read_from_the_hocon_and_only_it_is_allowed()
    {
        var api = FromHocon($"redundant-gateway.api {{ token = \"{Secret}\", protect-reads = on }}").Api;
        Assert.True(api.HasToken);
        Assert.True(api.ProtectReads);
        Assert.True(api.Allows(Secret));
        Assert.False(api.Allows(null));
        Assert.False(api.Allows(""));
        Assert.False(api.Allows(Secret + "x"));
        Assert.False(api.Allows(Secret[..^1]));
        Assert.False(api.Allows(Secret.ToUpperInvariant()));
    }

    [Fact]
    public void The_token_file_gives_its_first_line_trimmed()
    {
        var file = TokenFile($"  {Secret}\r\nsecond line\n");
        var api = FromHocon($"redundant-gateway.api.token-file = \"{file}\"").Api;
        Assert.True(api.Allows(Secret));
        Assert.False(api.Allows("second line"));
    }

    [Fact]
    public void A_missing_token_file_is_one_line_naming_the_key_and_the_file()
    {
        var missing = Path.Combine(_tempDir, "nope").Replace("\\", "/");
        var e = Assert.Throws<GatewayConfigException>(() => FromHocon($"redundant-gateway.api.token-file = \"{missing}\""));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith($"{Source}: redundant-gateway.api.token-file: cannot read '{missing}'", e.Message);
    }

    [Fact]
    public void An_empty_token_file_and_both_keys_are_refused_without_showing_the_token()
    {
        var empty = Assert.Throws<GatewayConfigException>(() => FromHocon($"redundant-gateway.api.token-file = \"{TokenFile("\n")}\""));
        Assert.Contains("is empty", empty.Message);
        var both = Assert.Throws<GatewayConfigException>(() =>
            FromHocon($"redundant-gateway.api {{ token = \"{Secret}\", token-file = \"{TokenFile(Secret)}\" }}"));
        Assert.Contains("not both", both.Message);
        Assert.DoesNotContain(Secret, both.Message);
    }

    [Fact]
    public void The_settings_as_text_never_show_the_token()
    {
        var settings = FromHocon($"redundant-gateway.api.token = \"{Secret}\"");
        Assert.DoesNotContain(Secret, settings.Api.ToString());
        Assert.DoesNotContain(Secret, settings.ToString());
        Assert.Contains("(set)", settings.Api.ToString());
    }
}
