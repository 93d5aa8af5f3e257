using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// The gateway configuration at one revision: named resources (path to canonical JSON text), the system
/// identity they belong to, and a content hash kept up to date on every change, so that the digest of the
/// whole configuration costs O(1) per edit on both nodes.
/// </summary>
public sealed record ConfigDocument(
    string? Identity,
    long Revision,
    ImmutableSortedDictionary<string, string> Resources,
    ContentHash Content)
{
    public static readonly ConfigDocument Empty = new(null, 0, ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal), ContentHash.Zero);

    /// <summary>Digest of identity, revision and content: equal digests mean equal configurations.</summary>
    public string Digest => ComputeDigest(Identity, Revision, Content);

    /// <summary>Sum of the UTF-8 sizes of paths and values: what a full transfer carries for the config.</summary>
    public long ApproximateBytes => Resources.Sum(r => (long)r.Key.Length + Encoding.UTF8.GetByteCount(r.Value));

    public ConfigDocument WithIdentity(string identity) => this with { Identity = identity };

    /// <summary>The document after <paramref name="revision"/> sets <paramref name="path"/> to <paramref name="value"/> (null: deletes it).</summary>
    public ConfigDocument Apply(long revision, string path, string? value)
    {
        var content = Content;
        if (Resources.TryGetValue(path, out var old)) content = content.Xor(ContentHash.Of(path, old));
        ImmutableSortedDictionary<string, string> resources;
        if (value is null)
        {
            resources = Resources.Remove(path);
        }
        else
        {
            resources = Resources.SetItem(path, value);
            content = content.Xor(ContentHash.Of(path, value));
        }
        return new ConfigDocument(Identity, revision, resources, content);
    }

    /// <summary>A document of these resources, its content hash computed from scratch (full transfers, tests).</summary>
    public static ConfigDocument From(string? identity, long revision, IEnumerable<KeyValuePair<string, string>> resources)
    {
        var content = ContentHash.Zero;
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (path, value) in resources)
        {
            builder[path] = value;
        }
        foreach (var (path, value) in builder) content = content.Xor(ContentHash.Of(path, value));
        return new ConfigDocument(identity, revision, builder.ToImmutable(), content);
    }

    public static string ComputeDigest(string? identity, long revision, ContentHash content)
    {
        Span<byte> buffer = stackalloc byte[8 + 32];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, revision);
        content.CopyTo(buffer[8..]);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(identity ?? ""));
        sha.AppendData(buffer);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Parses JSON text and writes it back compactly, so that equal values have equal text on both nodes.</summary>
    public static bool TryCanonicalJson(string text, out string canonical, out string error)
    {
        canonical = "";
        error = "";
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.WriteTo(writer);
            }
            canonical = Encoding.UTF8.GetString(buffer.ToArray());
            return true;
        }
        catch (JsonException e)
        {
            error = $"the value is not valid JSON: {e.Message.Split('\n')[0]}";
            return false;
        }
    }
}

/// <summary>
/// XOR of the SHA-256 of every (path, value): independent of the order edits were made in, updated in O(1).
/// Good enough to catch a replica that drifted; not meant to resist a forger.
/// </summary>
public readonly record struct ContentHash(ulong A, ulong B, ulong C, ulong D)
{
    public static readonly ContentHash Zero = default;

    public static ContentHash Of(string path, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0" + value);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return new ContentHash(
            BinaryPrimitives.ReadUInt64LittleEndian(hash),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
    }

    public ContentHash Xor(ContentHash other) => new(A ^ other.A, B ^ other.B, C ^ other.C, D ^ other.D);

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], D);
    }
}
