using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Runtime.Serialization;

using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// Serializes the config store's journal events and snapshots and the replication messages: JSON with a
/// short manifest per type, and transfer chunks as a small header followed by the raw bytes (no base64 for
/// the bulk of a transfer). Our own format, so a journal written today reads the same after an Akka upgrade.
/// Also serializes the <see cref="ITransferMessage"/>s, with the manifests they had when they were part of
/// this protocol: the serializer's identifier and the manifests are what the peer sees on the wire.
/// </summary>
public sealed class ConfigSyncSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string ChunkManifest = "chunk";

    private static readonly JsonSerializerOptions Json = new()
    {
        // The default encoder writes '"', '<', '+' and non-ASCII as six-byte \u escapes, which made a pull
        // answer up to six times its estimate (over the frame limit); relaxed escaping at most doubles a string.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // Manifests are part of the stored format: never rename one, only add.
    private static readonly FrozenDictionary<Type, string> ManifestByType = new Dictionary<Type, string>
    {
        [typeof(ConfigIdentityCreated)] = "identity-created",
        [typeof(ConfigResourceChanged)] = "resource-changed",
        [typeof(ConfigReplaced)] = "replaced",
        [typeof(ConfigStoreSnapshot)] = "snapshot",
        [typeof(ConfigUpdate)] = "update",
        [typeof(PullConfigUpdates)] = "pull",
        [typeof(ConfigUpdates)] = "updates",
        [typeof(FullTransferRequired)] = "full-transfer-required",
        [typeof(RequestFullTransfer)] = "request-full-transfer",
        [typeof(GetModuleManifest)] = "get-module-manifest",
        [typeof(ModuleEntry)] = "module-entry",
        [typeof(ModuleManifest)] = "module-manifest",
        [typeof(RequestModuleTransfer)] = "request-module-transfer",
        [typeof(TransferOffer)] = "transfer-offer",
        [typeof(TransferRefused)] = "transfer-refused",
        [typeof(FetchChunk)] = "fetch-chunk",
        [typeof(TransferChunk)] = ChunkManifest,
        [typeof(TransferFinished)] = "transfer-finished",
        [typeof(ResyncAsked)] = "resync-asked",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Type> TypeByManifest =
        ManifestByType.ToDictionary(p => p.Value, p => p.Key).ToFrozenDictionary();

    public override int Identifier => 4471;

    public override string Manifest(object o) =>
        ManifestByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} is not a configuration replication message");

    public override byte[] ToBinary(object obj)
    {
        if (obj is TransferChunk chunk) return ChunkToBinary(chunk);
        _ = Manifest(obj);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest == ChunkManifest) return ChunkFromBinary(bytes);
        if (!TypeByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"unknown configuration message manifest '{manifest}'");
        return JsonSerializer.Deserialize(bytes, type, Json)
               ?? throw new SerializationException($"empty configuration message '{manifest}'");
    }

    private sealed record ChunkHeader(string TransferId, int Index, string Sha256);

    // [int32 header length][header JSON][chunk bytes]
    private static byte[] ChunkToBinary(TransferChunk chunk)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new ChunkHeader(chunk.TransferId, chunk.Index, chunk.Sha256), Json);
        var bytes = new byte[4 + header.Length + chunk.Data.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 4);
        chunk.Data.CopyTo(bytes, 4 + header.Length);
        return bytes;
    }

    private static TransferChunk ChunkFromBinary(byte[] bytes)
    {
        if (bytes.Length < 4) throw new SerializationException("transfer chunk shorter than its header");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (headerLength < 0 || headerLength > bytes.Length - 4)
            throw new SerializationException($"transfer chunk header of {headerLength} bytes in a message of {bytes.Length}");
        var header = JsonSerializer.Deserialize<ChunkHeader>(bytes.AsSpan(4, headerLength), Json)
                     ?? throw new SerializationException("transfer chunk without header");
        return new TransferChunk(header.TransferId, header.Index, bytes[(4 + headerLength)..], header.Sha256);
    }

}
