using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace ConvGen.Package.Tests;

/// <summary>Every diagnostic's help link (README.md#convgenNNN) lands on an anchor in the README.</summary>
public sealed partial class HelpLinkTests
{
    [GeneratedRegex(@"^(CONVGEN\d{3})\s*\|", RegexOptions.Multiline)]
    private static partial Regex ReleaseRow();

    [Fact]
    public void EveryTrackedDiagnosticHasAReadmeAnchor()
    {
        string repository = PackageFeed.FindRepository();
        string generator = Path.Combine(repository, "generator", "ConvGen.Generator");
        string[] ids = new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" }
            .SelectMany(file => ReleaseRow().Matches(File.ReadAllText(Path.Combine(generator, file))))
            .Select(match => match.Groups[1].Value)
            .Distinct()
            .ToArray();
        Assert.NotEmpty(ids);
        string readme = File.ReadAllText(Path.Combine(repository, "README.md"));
        string[] missing = ids.Where(id => !readme.Contains($"<a id=\"{id.ToLowerInvariant()}\"></a>", StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0,
            $"README.md has no <a id=\"convgenNNN\"></a> anchor for {string.Join(", ", missing)}, so their help links lead nowhere.");
    }
}
