using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace ConvGen.Generator.Tests;

/// <summary>
/// Issue 5: no generated tile method is compiled with MinOpts. Runs tests/ConvGen.JitProbe (layers up to the
/// largest tile bodies the planner accepts, each run once, every tile method prepared) in a child process with
/// DOTNET_JitStdOutFile and DOTNET_JitDisasmSummary=1, and reads the JIT's summary of what it compiled how.
/// </summary>
public class JitTierTests
{
    [Fact]
    public void Every_generated_tile_method_is_compiled_optimised()
    {
        string probe = typeof(JitTierTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "JitProbe").Value!;
        Assert.True(File.Exists(probe), $"{probe} is not built (it is a ProjectReference of this project)");
        string summary = Path.Combine(Path.GetTempPath(), $"convgen-jit-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(probe);
            start.Environment["DOTNET_JitStdOutFile"] = summary;
            start.Environment["DOTNET_JitDisasmSummary"] = "1";
            foreach (string inherited in new[] { "DOTNET_TieredCompilation", "DOTNET_TC_QuickJit", "DOTNET_JITMinOpts", "DOTNET_ReadyToRun", "DOTNET_TieredPGO" })
                start.Environment.Remove(inherited);
            using Process process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "the probe did not finish");
            Assert.True(process.ExitCode == 0, $"probe exited {process.ExitCode}\n{stdout}\n{stderr}");

            int prepared = int.Parse(Regex.Match(stdout, @"tile methods: (\d+)").Groups[1].Value);
            string[] tiles = File.ReadAllLines(summary).Where(line => line.Contains(":Tile_", StringComparison.Ordinal)).ToArray();

            // They appear at all, once each, from every layer of the probe...
            Assert.True(prepared >= 10, stdout);
            Assert.Equal(prepared, tiles.Length);
            int layers = stdout.Split('\n').Count(line => line.Contains(": Conv ", StringComparison.Ordinal));
            Assert.Equal(layers, tiles.Select(line => Regex.Match(line, @"JitProbe\.(\w+)[+:]").Groups[1].Value).Distinct().Count());
            // ...and each was optimised: FullOpts (AggressiveOptimization) or Tier1, never MinOpts or Tier0.
            Assert.All(tiles, line =>
            {
                Assert.DoesNotContain("MinOpts", line);
                Assert.DoesNotContain("Tier0", line);
                Assert.Matches(@"\[(FullOpts|Tier1)", line);
            });
        }
        finally
        {
            File.Delete(summary);
        }
    }
}
