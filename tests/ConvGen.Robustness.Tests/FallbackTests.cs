using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>
/// The numerical matrix passes on every path: the scalar tiles (a child process with AVX2, or all hardware
/// intrinsics, switched off) and the tiles planned for 16 vector registers (AVX-512 switched off).
/// </summary>
public class FallbackTests
{
    [Theory]
    [InlineData("DOTNET_EnableAVX2", "IsAccelerated=False")]
    [InlineData("DOTNET_EnableHWIntrinsic", "IsAccelerated=False")]
    [InlineData("DOTNET_EnableAVX512", "IsAccelerated=True HasWideRegisterFile=False")]
    public async Task MatrixPassesWithout(string switchOff, string path)
    {
        string dll = typeof(NumericMatrix).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("matrix");
        start.Environment[switchOff] = "0";
        using Process child = Process.Start(start)!;
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        string log = output + await error;
        Assert.True(child.ExitCode == 0, $"exit code {child.ExitCode}:\n{log}");
        Assert.Contains(path, output);
        Assert.Matches(@"checks=\d{3,} failures=0", output);
    }

    [Fact]
    public void MatrixPassesHere()
    {
        var log = new StringWriter();
        int failures = NumericMatrix.Run(log, out int checks);
        Assert.True(failures == 0, log.ToString());
        Assert.True(checks > 100);
    }
}
