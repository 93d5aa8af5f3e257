using Akka.Serialization;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>
/// Pull answers are cut by <see cref="ConfigUpdate.Bytes"/>: it must bound the real serialized size for any
/// value, or an answer can exceed the node link's frame and be dropped.
/// </summary>
public sealed class ConfigUpdateWireSizeSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public ConfigUpdateWireSizeSpec(ITestOutputHelper output) : base(GatewayConfig.Reference, output: output) => _output = output;

    private byte[] Serialize(object message) => Sys.Serialization.FindSerializerFor(message).ToBinary(message);

    public static TheoryData<string, string> Values() => new()
    {
        { "quotes", Canonical("[" + string.Join(",", Enumerable.Repeat("\"\"", 20_000)) + "]") },
        { "escaped quotes and backslashes", Canonical("\"" + string.Concat(Enumerable.Repeat("\\\"\\\\", 10_000)) + "\"") },
        { "html-like characters", Canonical("\"" + string.Concat(Enumerable.Repeat("<a href='x'>&+</a>", 5_000)) + "\"") },
        { "non-ascii", Canonical("\"" + string.Concat(Enumerable.Repeat("Zürich 東京 ", 5_000)) + "\"") },
        { "plain object", Canonical("{\"scanRateMs\": 500, \"enabled\": true, \"name\": \"line 1\"}") },
    };

    private static string Canonical(string json)
    {
        Assert.True(ConfigDocument.TryCanonicalJson(json, out var canonical, out var error), error);
        return canonical;
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void The_estimate_bounds_the_serialized_size_of_an_update(string kind, string value)
    {
        var update = new ConfigUpdate(1, "projects/plant1/tags/line1", value, new string('d', 64), DateTimeOffset.UtcNow);
        var wire = Serialize(update).Length;
        _output.WriteLine($"{kind}: value {value.Length} chars, wire {wire} bytes, estimate {update.Bytes}");
        Assert.True(wire <= update.Bytes, $"{kind}: {wire} bytes on the wire, estimated {update.Bytes}");
    }

    [Fact]
    public void A_full_pull_answer_of_the_largest_resources_fits_in_one_frame()
    {
        var settings = GatewaySettings.Create(Akka.Configuration.ConfigurationFactory.Empty, "reference.conf");
        var frame = Sys.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 0;
        // The worst value the REST API accepts: max-resource-size bytes of quotes, each escaped on the wire.
        var quotes = (int)settings.ConfigSync.MaxResourceSize / 3;
        var worst = Canonical("[" + string.Join(",", Enumerable.Repeat("\"\"", quotes)) + "]");
        Assert.True(worst.Length <= settings.ConfigSync.MaxResourceSize);
        var queue = new UpdateQueue(100, long.MaxValue);
        for (var revision = 1; revision <= 10; revision++)
            queue.Add(new ConfigUpdate(revision, $"big/{revision}", worst, new string('d', 64), DateTimeOffset.UtcNow));

        var batch = queue.After(0, settings.ConfigSync.MaxUpdatesPerPull, settings.ConfigSync.MaxPullBytes);
        var answer = new ConfigUpdates(1, "identity", batch, 10, "modules", 10, queue.Bytes, "http://127.0.0.1:8088");
        var wire = Serialize(answer).Length;

        Assert.NotEmpty(batch);
        Assert.True(wire < frame, $"{batch.Count} updates take {wire} bytes, the frame is {frame}");
    }
}
