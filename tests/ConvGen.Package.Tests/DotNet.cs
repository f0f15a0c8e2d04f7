using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace ConvGen.Package.Tests;

/// <summary>What one <c>dotnet</c> command did: its exit code and its interleaved stdout and stderr.</summary>
public sealed record DotNetResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and time, and its whole output: the message of a failed assertion.</summary>
    public override string ToString() =>
        $"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s; its output:{Environment.NewLine}{Output}";
}

/// <summary>Runs the <c>dotnet</c> CLI as a child process, with a time limit and a clean MSBuild environment.</summary>
public static class DotNet
{
    /// <summary>Set by the dotnet CLI (or an IDE) for its own MSBuild and inherited by the test host.</summary>
    private static readonly string[] InheritedMSBuildVariables =
        ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    /// <summary>
    /// Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>. The MSBuild paths that a
    /// test host inherits from the <c>dotnet test</c> that started it are removed so the child runs as from a shell;
    /// <paramref name="environment"/> is then applied (a null value removes a variable).
    /// The process tree is killed if it outlives <paramref name="timeout"/>, and the result says so.
    /// </summary>
    public static DotNetResult Run(string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (string name in InheritedMSBuildVariables) start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value == null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        string command = "dotnet " + string.Join(' ', arguments);
        var output = new StringBuilder();
        void Append(object sender, DataReceivedEventArgs e)
        {
            if (e.Data == null) return;
            lock (output) output.AppendLine(e.Data);
        }

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit(timeout);
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit(); // drains the asynchronous readers
        clock.Stop();
        lock (output)
        {
            if (!exited) output.AppendLine($"[killed: still running after the {timeout.TotalSeconds:F0} s limit]");
            return new DotNetResult(command, exited ? process.ExitCode : -1, output.ToString(), clock.Elapsed);
        }
    }
}
