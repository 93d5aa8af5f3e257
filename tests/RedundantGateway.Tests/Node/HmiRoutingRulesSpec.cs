using RedundantGateway.Node.Hmi;
using Xunit;

namespace RedundantGateway.Tests.Node;

/// <summary>An HMI page: served live by the active node; a standby sends the browser to the active peer, same path and query.</summary>
public sealed class HmiRoutingRulesSpec
{
    private const string Page = "/hmi/demo/overview?x=1";

    [Fact]
    public void The_active_node_serves_the_live_page_whatever_it_knows_of_its_peer()
    {
        Assert.Equal(new HmiPageDecision(HmiPageAction.Live), HmiRoutingRules.Decide(true, false, null, Page));
        Assert.Equal(new HmiPageDecision(HmiPageAction.Live), HmiRoutingRules.Decide(true, true, "http://127.0.0.1:8089", Page));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8088", "http://127.0.0.1:8088/hmi/demo/overview?x=1")]
    [InlineData("http://127.0.0.1:8088/", "http://127.0.0.1:8088/hmi/demo/overview?x=1")]
    [InlineData("http://gw-a", "http://gw-a:80/hmi/demo/overview?x=1")]
    [InlineData("https://gw-a:8443/some/base", "https://gw-a:8443/hmi/demo/overview?x=1")]
    public void A_standby_redirects_to_the_active_peers_origin_with_the_same_path_and_query(string peerWeb, string location) =>
        Assert.Equal(new HmiPageDecision(HmiPageAction.Redirect, location), HmiRoutingRules.Decide(false, true, peerWeb, Page));

    [Fact]
    public void The_query_string_is_kept_as_it_was_sent() =>
        Assert.Equal("http://b:1/hmi/p/q?a=1&b=%20x", HmiRoutingRules.Decide(false, true, "http://b:1", "/hmi/p/q?a=1&b=%20x").Location);

    [Theory]
    [InlineData(false, "http://127.0.0.1:8088")] // the peer is not (or no longer surely) active: it may be dead
    [InlineData(true, null)]                       // active, but where it is is not known yet
    [InlineData(true, "")]
    [InlineData(true, "not an address")]
    public void Without_an_active_peer_at_a_known_address_a_standby_serves_the_waiting_page(bool peerActive, string? peerWeb) =>
        Assert.Equal(new HmiPageDecision(HmiPageAction.Waiting), HmiRoutingRules.Decide(false, peerActive, peerWeb, Page));
}
