using RedundantGateway.ConfigSync;
using Xunit;

namespace RedundantGateway.Tests.ConfigSync;

/// <summary>The configuration document: an order-independent digest kept up to date per edit, canonical JSON, strict paths.</summary>
public sealed class ConfigDocumentSpec
{
    private const string Identity = "0123456789abcdef0123456789abcdef";

    private static ConfigDocument Start(string? identity = Identity) =>
        identity is null ? ConfigDocument.Empty : ConfigDocument.Empty.WithIdentity(identity);

    [Fact]
    public void Empty_document_has_no_identity_revision_or_resources()
    {
        Assert.Null(ConfigDocument.Empty.Identity);
        Assert.Equal(0, ConfigDocument.Empty.Revision);
        Assert.Empty(ConfigDocument.Empty.Resources);
        Assert.Equal(ContentHash.Zero, ConfigDocument.Empty.Content);
        Assert.Equal(64, ConfigDocument.Empty.Digest.Length);
        Assert.Equal(ConfigDocument.From(null, 0, []).Digest, ConfigDocument.Empty.Digest);
    }

    [Fact]
    public void Same_resources_reached_by_different_edit_orders_have_the_same_digest()
    {
        // a=1, b=2, c=3 at revision 5, reached three ways (with overwrites and a delete on the way).
        var first = Start()
            .Apply(1, "a", "1")
            .Apply(2, "b", "2")
            .Apply(3, "c", "3")
            .Apply(4, "tmp", "\"x\"")
            .Apply(5, "tmp", null);
        var second = Start()
            .Apply(1, "c", "3")
            .Apply(2, "b", "\"old\"")
            .Apply(3, "a", "1")
            .Apply(4, "b", "2")
            .Apply(5, "c", "3"); // same value again: still a revision
        var third = Start()
            .Apply(1, "b", "2")
            .Apply(2, "a", "[1]")
            .Apply(3, "c", "3")
            .Apply(4, "a", null)
            .Apply(5, "a", "1");

        Assert.Equal(first.Content, second.Content);
        Assert.Equal(first.Content, third.Content);
        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(first.Digest, third.Digest);
        Assert.Equal(["a", "b", "c"], first.Resources.Keys);
        Assert.Equal(first.Resources, second.Resources);
        Assert.Equal(first.Resources, third.Resources);
    }

    [Fact]
    public void From_equals_the_document_built_edit_by_edit()
    {
        var incremental = Start();
        var expected = new Dictionary<string, string>();
        var random = new Random(42);
        for (var revision = 1; revision <= 200; revision++)
        {
            var path = $"projects/p{random.Next(20)}/tags/t{random.Next(5)}";
            string? value = random.Next(4) == 0 ? null : $"{{\"v\":{random.Next(1000)}}}";
            incremental = incremental.Apply(revision, path, value);
            if (value is null) expected.Remove(path);
            else expected[path] = value;
        }

        var fromScratch = ConfigDocument.From(Identity, 200, expected);

        Assert.Equal(fromScratch.Content, incremental.Content);
        Assert.Equal(fromScratch.Digest, incremental.Digest);
        Assert.Equal(fromScratch.Resources, incremental.Resources);
        Assert.Equal(200, incremental.Revision);
        // Resources are kept in ordinal order: the same order on both nodes, in archives and in listings.
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), incremental.Resources.Keys);
    }

    [Fact]
    public void Digest_changes_with_revision_identity_and_content()
    {
        var document = Start().Apply(1, "a", "1").Apply(2, "b", "2");
        var digests = new[]
        {
            document.Digest,
            (document with { Revision = 3 }).Digest,                          // revision
            document.WithIdentity("another-identity").Digest,                 // identity
            ConfigDocument.From(null, 2, document.Resources).Digest,          // no identity
            document.Apply(2, "b", "3").Digest,                               // a value
            ConfigDocument.From(Identity, 2, [new("a", "1"), new("c", "2")]).Digest,   // a path
            ConfigDocument.From(Identity, 2, [new("a", "1")]).Digest,         // a resource fewer
            ConfigDocument.From(Identity, 2, [new("a", "1"), new("b", "2"), new("c", "3")]).Digest, // one more
            // The path/value boundary counts: "ab" = "c" is not "a" = "bc".
            ConfigDocument.From(Identity, 2, [new("ab", "c")]).Digest,
            ConfigDocument.From(Identity, 2, [new("a", "bc")]).Digest,
        };

        Assert.Equal(digests.Length, digests.Distinct().Count());
    }

    [Fact]
    public void Apply_with_null_deletes_the_resource_and_its_share_of_the_hash()
    {
        var before = Start().Apply(1, "a", "1");
        var after = before.Apply(2, "b", "2").Apply(3, "b", null);

        Assert.False(after.Resources.ContainsKey("b"));
        Assert.Equal(["a"], after.Resources.Keys);
        Assert.Equal(3, after.Revision);
        Assert.Equal(before.Content, after.Content);
        Assert.Equal(ConfigDocument.From(Identity, 3, [new("a", "1")]).Digest, after.Digest);

        var empty = after.Apply(4, "a", null);
        Assert.Empty(empty.Resources);
        Assert.Equal(ContentHash.Zero, empty.Content);
    }

    [Fact]
    public void Apply_replaces_a_value_without_leaving_the_old_one_in_the_hash()
    {
        var replaced = Start().Apply(1, "a", "1").Apply(2, "a", "2");

        Assert.Equal("2", replaced.Resources["a"]);
        Assert.Equal(ConfigDocument.From(Identity, 2, [new("a", "2")]).Content, replaced.Content);
    }

    [Fact]
    public void Documents_are_immutable_values()
    {
        var before = Start().Apply(1, "a", "1");
        var digest = before.Digest;

        _ = before.Apply(2, "a", "2").Apply(3, "b", "3");

        Assert.Equal("1", before.Resources["a"]);
        Assert.Single(before.Resources);
        Assert.Equal(1, before.Revision);
        Assert.Equal(digest, before.Digest);
    }

    [Fact]
    public void ApproximateBytes_counts_paths_and_utf8_values()
    {
        var document = Start().Apply(1, "ab", "\"é\"").Apply(2, "c", "1");

        Assert.Equal(2 + 4 + 1 + 1, document.ApproximateBytes);
    }

    [Theory]
    [InlineData("{ \"a\" : 1 ,\n  \"b\" : [ 1, 2 , {\"c\":null} ] }", "{\"a\":1,\"b\":[1,2,{\"c\":null}]}")]
    [InlineData("  42  ", "42")]
    [InlineData("\t\"text\"\r\n", "\"text\"")]
    [InlineData("[ ]", "[]")]
    [InlineData("{\"x\" :true, \"y\": false}", "{\"x\":true,\"y\":false}")]
    [InlineData("1.50", "1.50")]
    public void TryCanonicalJson_writes_json_compactly(string text, string expected)
    {
        Assert.True(ConfigDocument.TryCanonicalJson(text, out var canonical, out var error), error);
        Assert.Equal(expected, canonical);
        Assert.Equal("", error);
        // Canonical text is a fixed point.
        Assert.True(ConfigDocument.TryCanonicalJson(canonical, out var again, out _));
        Assert.Equal(canonical, again);
    }

    [Fact]
    public void TryCanonicalJson_gives_equal_text_for_differently_formatted_equal_values()
    {
        Assert.True(ConfigDocument.TryCanonicalJson("{\"a\":[1,2],\"b\":\"x\"}", out var one, out _));
        Assert.True(ConfigDocument.TryCanonicalJson("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x\"\n}\n", out var two, out _));

        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{a:1}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1")]
    [InlineData("[1,2]]")]
    [InlineData("{} {}")]
    [InlineData("'single'")]
    [InlineData("NaN")]
    [InlineData("// comment\n1")]
    public void TryCanonicalJson_refuses_invalid_json(string text)
    {
        Assert.False(ConfigDocument.TryCanonicalJson(text, out var canonical, out var error));
        Assert.Equal("", canonical);
        Assert.StartsWith("the value is not valid JSON: ", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void TryCanonicalJson_refuses_json_nested_deeper_than_64()
    {
        var deep = new string('[', 65) + new string(']', 65);
        var fine = new string('[', 64) + new string(']', 64);

        Assert.False(ConfigDocument.TryCanonicalJson(deep, out _, out var error));
        Assert.StartsWith("the value is not valid JSON", error);
        Assert.True(ConfigDocument.TryCanonicalJson(fine, out _, out _));
    }

    [Theory]
    [InlineData("a/b-c/d_e.f", "a/b-c/d_e.f")]
    [InlineData("projects/plant1/tags/line1", "projects/plant1/tags/line1")]
    [InlineData("/a/b/", "a/b")]
    [InlineData("a", "a")]
    [InlineData("A.B/..c/v1.2", "A.B/..c/v1.2")]
    public void ConfigPath_accepts_and_normalises_valid_paths(string raw, string expected)
    {
        Assert.True(ConfigPath.TryNormalize(raw, out var path, out var error), error);
        Assert.Equal(expected, path);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("/", "empty")]
    [InlineData("//", "empty")]
    [InlineData("..", "'..' segment")]
    [InlineData("a/../b", "'..' segment")]
    [InlineData("a/./b", "'.' segment")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a b", "character ' '")]
    [InlineData(" a", "character ' '")]
    [InlineData("a\\b", "character '\\'")]
    [InlineData("a?b", "character '?'")]
    [InlineData("a%2Fb", "character '%'")]
    [InlineData("caf\u00e9", "character '\u00e9'")]
    [InlineData("a\0b", "character")]
    public void ConfigPath_refuses_invalid_paths(string? raw, string problem)
    {
        Assert.False(ConfigPath.TryNormalize(raw, out var path, out var error));
        Assert.Equal("", path);
        Assert.Contains(problem, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void ConfigPath_length_limit_is_512_characters()
    {
        var longest = string.Join('/', Enumerable.Repeat("abc", 128)) + "d"; // 128 segments: 511 characters, and one more
        Assert.Equal(512, longest.Length);
        Assert.True(ConfigPath.TryNormalize(longest, out var path, out var error), error);
        Assert.Equal(longest, path);

        Assert.False(ConfigPath.TryNormalize(new string('a', 513), out _, out error));
        Assert.Contains("longer than 512", error);
        // Slashes trimmed before the check: 512 characters between slashes are fine.
        Assert.True(ConfigPath.TryNormalize("/" + new string('a', 512) + "/", out path, out _));
        Assert.Equal(512, path.Length);
    }
}
