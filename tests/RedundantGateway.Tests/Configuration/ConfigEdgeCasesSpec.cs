// Regression specs: each test names the bug it demonstrates and the expected behaviour.
using RedundantGateway.Configuration;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class ConfigEdgeCasesSpec : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    // Regression (HoconSyntaxCheck.KeysWithoutValue): once a key without a value followed by another key is not caught; the parser silently drops both ('c' is lost).
    [Fact]
    public void A_key_without_a_value_between_two_keys_is_refused()
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.Parse("a = 1\nb\nc = 2\n", "k.hocon"));

        Assert.StartsWith("k.hocon:2: ", error.Message);
    }

    // Regression (GatewayConfig.LineOf): once Akka never reports a line; the fallback names the file's LAST line, even when the parser gives the character position of the error.
    [Fact]
    public void A_syntax_error_names_the_line_it_is_on()
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfig.Parse("a = 1\nb = @@@\nc = 2\nd = 3\n", "f.hocon"));

        Assert.StartsWith("f.hocon:2: ", error.Message);
    }

    // Regression (GatewaySettings.SettingsReader): once raw values are quoted verbatim, so a multi-line (triple-quoted) value gives a multi-line message.
    [Theory]
    [InlineData("redundant-gateway.role = \"\"\"master\nbackup\"\"\"")]
    [InlineData("redundant-gateway.web.port = \"\"\"80\n80\"\"\"")]
    [InlineData("redundant-gateway.redundancy.failover-timeout = \"\"\"1s\n2s\"\"\"")]
    public void A_multi_line_bad_value_is_still_refused_on_one_line(string hocon)
    {
        var error = Assert.Throws<GatewayConfigException>(() => GatewaySettings.Create(GatewayConfig.Parse(hocon, "f.hocon"), "f.hocon"));

        Assert.DoesNotContain('\n', error.Message);
    }
}
