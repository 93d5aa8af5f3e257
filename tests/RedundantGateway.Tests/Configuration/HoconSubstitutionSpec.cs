// Regression specs: each test names the bug it demonstrates and the expected behaviour.
using RedundantGateway.Configuration;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class HoconSubstitutionSpec
{
    // Once a stack overflow in the key check that killed the process. Akka's parser does not keep the
    // earlier value under an unset optional substitution (it yields null), so the settings refuse it in one line.
    [Fact]
    public void An_optional_substitution_is_checked_without_crashing()
    {
        var config = GatewayConfig.Parse("redundant-gateway.node-name = \"gw\"\nredundant-gateway.node-name = ${?RG_NODE_NAME_NOT_SET}\n", "env.hocon");
        var error = Assert.Throws<GatewayConfigException>(() => GatewaySettings.Create(config, "env.hocon"));
        Assert.Contains("redundant-gateway.node-name", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
