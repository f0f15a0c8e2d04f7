using System;
using System.Collections.Generic;
using System.IO;

namespace ConvGen.Package.Tests;

/// <summary>
/// Packs src/ConvGen once, into a local feed in a fresh temporary folder outside the repository, exactly as the
/// README says (<c>dotnet pack src/ConvGen/ConvGen.csproj -c Release -o DIR</c>); consumers made from it restore from
/// that feed only, into a package folder of their own, so no cached ConvGen of the same version can stand in.
/// </summary>
public sealed class PackageFeed : IDisposable
{
    /// <summary>Limit for the pack (a cold build of the generator and the library) and for a consumer's build.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The temporary folder holding the feed, the package folder and the consumers.</summary>
    public string Root { get; }
    /// <summary>The folder the package was packed into: the consumers' only package source.</summary>
    public string Feed { get; }
    /// <summary>The consumers' NUGET_PACKAGES.</summary>
    public string PackagesFolder { get; }
    /// <summary>The packed .nupkg, or null if the pack failed.</summary>
    public string? Package { get; }
    /// <summary>The package version, read from its file name.</summary>
    public string Version { get; } = "";
    /// <summary>What the pack printed.</summary>
    public DotNetResult Pack { get; }

    public PackageFeed()
    {
        Root = Path.Combine(Path.GetTempPath(), "convgen-package-" + Guid.NewGuid().ToString("N")[..12]);
        Feed = Path.Combine(Root, "feed");
        PackagesFolder = Path.Combine(Root, "packages");
        Directory.CreateDirectory(Feed);
        string repository = FindRepository();
        Pack = DotNet.Run(repository, BuildTimeout, null, "pack", Path.Combine("src", "ConvGen", "ConvGen.csproj"),
            "-c", "Release", "-o", Feed, "--disable-build-servers", "-tl:off");
        string[] packages = Directory.GetFiles(Feed, "ConvGen.*.nupkg");
        if (Pack.ExitCode == 0 && packages.Length == 1)
        {
            Package = packages[0];
            string name = Path.GetFileName(Package);
            Version = name["ConvGen.".Length..^".nupkg".Length];
        }
    }

    /// <summary>
    /// Writes a console project named <paramref name="name"/> that references only the ConvGen package, with
    /// warnings as errors, nullable reference types, every analyzer rule and XML docs on, plus
    /// <paramref name="sources"/> (file name → text). Empty Directory.Build.props/.targets/Packages.props stop MSBuild
    /// from looking further up, and its nuget.config names the feed and nothing else.
    /// </summary>
    public string CreateConsumer(string name, IReadOnlyDictionary<string, string> sources)
    {
        string project = Path.Combine(Root, name);
        Directory.CreateDirectory(project);
        foreach (string file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            File.WriteAllText(Path.Combine(project, file), "<Project />\n");
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="convgen-local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
              </fallbackPackageFolders>
            </configuration>

            """);
        File.WriteAllText(Path.Combine(project, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <AnalysisLevel>latest-all</AnalysisLevel>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ConvGen" Version="{Version}" />
              </ItemGroup>
            </Project>

            """);
        foreach ((string file, string text) in sources)
            File.WriteAllText(Path.Combine(project, file), text);
        return project;
    }

    /// <summary>Restores and builds a consumer in Release, from the feed into <see cref="PackagesFolder"/>.</summary>
    public DotNetResult Build(string project) =>
        DotNet.Run(project, BuildTimeout, ConsumerEnvironment, "build", "-c", "Release", "--disable-build-servers", "-tl:off");

    /// <summary>Runs a built consumer's Release output.</summary>
    public DotNetResult Run(string project) =>
        DotNet.Run(project, TimeSpan.FromMinutes(1), ConsumerEnvironment,
            Path.Combine(project, "bin", "Release", "net10.0", Path.GetFileName(project) + ".dll"));

    private Dictionary<string, string?> ConsumerEnvironment => new() { ["NUGET_PACKAGES"] = PackagesFolder };

    /// <summary>The repository root: the folder above this test assembly that holds ConvGen.sln.</summary>
    public static string FindRepository()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ConvGen.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No ConvGen.sln above {AppContext.BaseDirectory}.");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
