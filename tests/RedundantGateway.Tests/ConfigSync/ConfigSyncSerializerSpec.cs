using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text.Json;
using Akka.Serialization;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Transfer;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>
/// Every configuration replication message goes through <see cref="ConfigSyncSerializer"/> when the actor system
/// has the product's reference.conf, and comes back equal.
/// </summary>
public sealed class ConfigSyncSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;

    public ConfigSyncSerializerSpec(ITestOutputHelper output) : base(GatewayConfig.Reference, output: output)
    {
        _output = output;
    }

    private static readonly DateTimeOffset At = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.FromHours(2));

    private static readonly IReadOnlyDictionary<string, string> Resources = new Dictionary<string, string>
    {
        ["projects/plant1/tags/line1"] = "{\"address\":\"40001\",\"scan\":250}",
        ["gateway/name"] = "\"Gateway \u00e9\u4e2d \\\"quoted\\\"\"",
        ["empty"] = "{}",
    };

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    /// <summary>One of each message type (several where the shape differs: nulls, empty collections), transfer messages included.</summary>
    public static TheoryData<string, object> Messages()
    {
        var update = new ConfigUpdate(42, "projects/plant1/tags/line1", "{\"a\":1}", new string('d', 64), At);
        var chunkData = RandomBytes(256 * 1024);
        var data = new TheoryData<string, object>
        {
            { "identity-created", new ConfigIdentityCreated("0123456789abcdef0123456789abcdef", At) },
            { "resource-changed", new ConfigResourceChanged(7, "a/b", "[1,2,3]", At) },
            { "resource-changed (delete)", new ConfigResourceChanged(8, "a/b", null, At) },
            { "replaced", new ConfigReplaced("identity", 99, Resources, "first contact: the backup has no configuration yet") },
            { "replaced (empty)", new ConfigReplaced("", 0, new Dictionary<string, string>(), "") },
            { "snapshot", new ConfigStoreSnapshot("identity", 500, Resources) },
            // As the store saves it: its own immutable sorted dictionary.
            { "snapshot (immutable)", new ConfigStoreSnapshot("identity", 3, Resources.ToImmutableSortedDictionary(StringComparer.Ordinal)) },
            { "snapshot (no identity)", new ConfigStoreSnapshot(null, 0, new Dictionary<string, string>()) },
            { "update", update },
            { "update (delete)", update with { Value = null } },
            { "pull", new PullConfigUpdates(17, "identity", 41, new string('m', 64), "node-b") },
            { "pull (first contact)", new PullConfigUpdates(1, null, 0, "", "node-b") },
            { "pull (with the backup's web address)", new PullConfigUpdates(2, "identity", 3, "", "node-b", "d", "http://10.0.0.2:8089") },
            { "updates", new ConfigUpdates(17, "identity", [update, update with { Revision = 43, Value = null }], 43, new string('m', 64), 2, 300, "http://10.0.0.1:8088") },
            { "updates (none)", new ConfigUpdates(18, "identity", [], 43, "", 0, 0, "") },
            { "full-transfer-required", new FullTransferRequired(17, "too far behind") },
            { "request-full-transfer", new RequestFullTransfer("re-sync requested by an operator") },
            { "get-module-manifest", GetModuleManifest.Instance },
            { "module-entry", new ModuleEntry("driver.dll", new string('s', 64), 123_456_789_012) },
            { "module-manifest", new ModuleManifest([new ModuleEntry("a.dll", new string('a', 64), 1), new ModuleEntry("b.dll", new string('b', 64), 0)], new string('g', 64)) },
            { "module-manifest (empty)", new ModuleManifest([], new string('e', 64)) },
            { "request-module-transfer", new RequestModuleTransfer("driver.dll") },
            { "transfer-offer (full)", new TransferOffer("full-0123", TransferKind.Full, "revision 42", 10_000_000_000, new string('f', 64), 262_144, 38_147) },
            { "transfer-offer (module)", new TransferOffer("module-0123", TransferKind.Module, "driver.dll", 0, new string('f', 64), 262_144, 0) },
            { "transfer-refused", new TransferRefused("module driver.dll not readable") },
            { "fetch-chunk", new FetchChunk("full-0123", 38_146) },
            { "chunk", new TransferChunk("full-0123", 5, chunkData, Convert.ToHexStringLower(SHA256.HashData(chunkData))) },
            { "chunk (empty)", new TransferChunk("module-0123", 0, [], Convert.ToHexStringLower(SHA256.HashData(Array.Empty<byte>()))) },
            { "transfer-finished", new TransferFinished("full-0123") },
            { "resync-asked", new ResyncAsked("operator via REST") },
        };
        return data;
    }

    /// <summary>Records hold lists, dictionaries and byte arrays (compared by reference): compare their JSON instead.</summary>
    private static string Shape(object message) => JsonSerializer.Serialize(message, message.GetType());

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_serialization_extension(string name, object message)
    {
        var serialization = Sys.Serialization;

        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<ConfigSyncSerializer>(serializer);
        Assert.Equal(4471, serializer.Identifier);

        var bytes = serializer.ToBinary(message);
        var manifest = Serialization.ManifestFor(serializer, message);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(message.GetType(), back);
        Assert.Equal(Shape(message), Shape(back));
        _output.WriteLine($"{name}: manifest '{manifest}', {bytes.Length} bytes");
    }

    [Fact]
    public void Every_config_sync_message_type_has_a_manifest_and_is_covered_here()
    {
        var types = typeof(IConfigSyncMessage).Assembly.GetTypes()
            .Where(t => typeof(IConfigSyncMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();
        var covered = Messages().Select(row => row[1].GetType()).ToHashSet();

        Assert.Empty(types.Except(covered).Select(t => t.Name));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(ConfigUpdate));
        var manifests = types.Select(t => serializer.Manifest(Messages().Select(row => row[1]).First(m => m.GetType() == t))).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
    }

    [Fact]
    public void A_pull_from_a_backup_older_than_the_web_address_reads_with_none()
    {
        // Written by a backup before pulls carried its web address (the status page's peer address).
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(PullConfigUpdates));
        var old = serializer.ToBinary(new PullConfigUpdates(5, "identity", 4, "", "node-b", "d"));
        var json = System.Text.Encoding.UTF8.GetString(old);
        Assert.DoesNotContain("http", json);
        var withoutField = System.Text.RegularExpressions.Regex.Replace(json, ",?\"fromWebAddress\":\"\"", "", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        Assert.DoesNotContain("webaddress", withoutField.ToLowerInvariant());
        var back = (PullConfigUpdates)serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(withoutField), serializer.Manifest(new PullConfigUpdates(1, null, 0, "", "b")));
        Assert.Equal("", back.FromWebAddress);
        Assert.Equal("node-b", back.FromNodeName);
    }

    [Fact]
    public void Stored_manifests_never_change()
    {
        // Journal events and snapshots are stored with these manifests: renaming one makes old journals unreadable.
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(ConfigUpdate));

        Assert.Equal("identity-created", serializer.Manifest(new ConfigIdentityCreated("i", At)));
        Assert.Equal("resource-changed", serializer.Manifest(new ConfigResourceChanged(1, "a", null, At)));
        Assert.Equal("replaced", serializer.Manifest(new ConfigReplaced("i", 1, Resources, "r")));
        Assert.Equal("snapshot", serializer.Manifest(new ConfigStoreSnapshot("i", 1, Resources)));
        Assert.Equal("chunk", serializer.Manifest(new TransferChunk("t", 0, [], "")));
    }

    [Fact]
    public void Transfer_messages_keep_the_manifests_they_had_as_config_messages()
    {
        // They moved to RedundantGateway.Transfer; a node of the earlier version still sends and expects these.
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(TransferOffer));

        Assert.IsType<ConfigSyncSerializer>(serializer);
        Assert.Equal("transfer-offer", serializer.Manifest(new TransferOffer("t", TransferKind.Full, "n", 0, "", 1, 0)));
        Assert.Equal("transfer-refused", serializer.Manifest(new TransferRefused("r")));
        Assert.Equal("fetch-chunk", serializer.Manifest(new FetchChunk("t", 0)));
        Assert.Equal("chunk", serializer.Manifest(new TransferChunk("t", 0, [], "")));
        Assert.Equal("transfer-finished", serializer.Manifest(new TransferFinished("t")));
        var types = typeof(ITransferMessage).Assembly.GetTypes()
            .Where(t => typeof(ITransferMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        Assert.Equal(5, types.Count());
        // The offer's kind is written by name, as before.
        Assert.Contains("\"kind\":\"module\"", System.Text.Encoding.UTF8.GetString(
            serializer.ToBinary(new TransferOffer("t", TransferKind.Module, "n", 0, "", 1, 0))));
    }

    [Fact]
    public void A_transfer_chunk_carries_its_bytes_raw_after_a_small_header()
    {
        var data = RandomBytes(64 * 1024);
        var chunk = new TransferChunk("full-abc", 3, data, Convert.ToHexStringLower(SHA256.HashData(data)));
        var serializer = Sys.Serialization.FindSerializerFor(chunk);

        var bytes = serializer.ToBinary(chunk);

        // No base64: the payload is the data plus a header of a few dozen bytes.
        Assert.InRange(bytes.Length - data.Length, 4, 200);
        Assert.True(bytes.AsSpan(bytes.Length - data.Length).SequenceEqual(data));
        var back = (TransferChunk)Sys.Serialization.Deserialize(bytes, serializer.Identifier, "chunk");
        Assert.Equal(data, back.Data);
        Assert.Equal(chunk.Sha256, back.Sha256);
        Assert.Equal(3, back.Index);
        Assert.Equal("full-abc", back.TransferId);
    }

    [Fact]
    public void A_snapshot_read_back_rebuilds_the_same_document()
    {
        var document = ConfigDocument.From("identity", 12, Resources);
        var snapshot = new ConfigStoreSnapshot(document.Identity, document.Revision, document.Resources);
        var serializer = Sys.Serialization.FindSerializerFor(snapshot);

        var back = (ConfigStoreSnapshot)Sys.Serialization.Deserialize(serializer.ToBinary(snapshot), serializer.Identifier,
            Serialization.ManifestFor(serializer, snapshot));

        Assert.Equal(document.Digest, ConfigDocument.From(back.Identity, back.Revision, back.Resources).Digest);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 1, 0 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 1, 2 })]   // header longer than the message
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 1, 2 })]   // negative header length
    public void A_malformed_chunk_is_a_serialization_error(byte[] bytes)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(TransferChunk));

        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "chunk"));
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_error_and_a_foreign_type_is_refused()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(ConfigUpdate));

        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "no-such-message"));
        Assert.Contains("no-such-message", unknown.Message);
        Assert.Throws<ArgumentException>(() => serializer.Manifest("a string"));
        Assert.Throws<ArgumentException>(() => serializer.ToBinary(new EditConfig("a", "1")));
    }

    [Fact]
    public void Local_protocol_messages_are_not_bound_to_the_config_serializer()
    {
        // Asks of the local store never leave the node; only IConfigSyncMessage types are bound.
        Assert.IsNotType<ConfigSyncSerializer>(Sys.Serialization.FindSerializerFor(new EditConfig("a", "1")));
    }
}
