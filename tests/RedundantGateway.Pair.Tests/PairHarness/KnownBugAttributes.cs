using Xunit;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>
/// A test that fails because of a known product bug: skipped (so CI stays meaningful) unless
/// PAIR_TESTS_KNOWN_BUGS=1. Remove the attribute's bug note (use [Fact]) once the bug is fixed.
/// </summary>
public sealed class KnownBugFactAttribute : FactAttribute
{
    public KnownBugFactAttribute(string bug)
    {
        if (Environment.GetEnvironmentVariable("PAIR_TESTS_KNOWN_BUGS") != "1")
            Skip = $"known product bug: {bug} (PAIR_TESTS_KNOWN_BUGS=1 runs it)";
    }
}

/// <inheritdoc cref="KnownBugFactAttribute"/>
public sealed class KnownBugTheoryAttribute : TheoryAttribute
{
    public KnownBugTheoryAttribute(string bug)
    {
        if (Environment.GetEnvironmentVariable("PAIR_TESTS_KNOWN_BUGS") != "1")
            Skip = $"known product bug: {bug} (PAIR_TESTS_KNOWN_BUGS=1 runs it)";
    }
}
