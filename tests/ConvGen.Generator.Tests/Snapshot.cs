using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace ConvGen.Generator.Tests;

/// <summary>
/// Snapshot checks in Verify's manner: text is compared with the committed <c>Snapshots/&lt;name&gt;.verified.cs</c>;
/// on a mismatch <c>&lt;name&gt;.received.cs</c> is written beside it and the test fails with the first differing
/// lines. With <c>CONVGEN_ACCEPT_SNAPSHOTS=1</c> the received text overwrites the verified file instead.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "CONVGEN_ACCEPT_SNAPSHOTS";
    private const int ShownDifferences = 12;

    public static void Verify(string name, string actual, [CallerFilePath] string callerFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        string verifiedPath = Path.Combine(folder, name + ".verified.cs");
        string receivedPath = Path.Combine(folder, name + ".received.cs");
        actual = Normalize(actual);
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == actual)
        {
            File.Delete(receivedPath);
            return;
        }
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(verifiedPath, actual);
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(verified == null
            ? $"No snapshot {verifiedPath} yet; the output is in {receivedPath}. Run with {AcceptVariable}=1 to accept it."
            : $"Snapshot {name} differs (received: {receivedPath}). Run with {AcceptVariable}=1 to accept.{Environment.NewLine}" +
              Diff(verified, actual));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>The first differing lines, unified-diff style, with 1-based line numbers of the verified and received text.</summary>
    internal static string Diff(string verified, string received)
    {
        string[] a = verified.Split('\n'), b = received.Split('\n');
        var diff = new StringBuilder();
        int shown = 0, i = 0, j = 0;
        while ((i < a.Length || j < b.Length) && shown < ShownDifferences)
        {
            if (i < a.Length && j < b.Length && a[i] == b[j]) { i++; j++; continue; }
            // Resynchronise: the nearest line of one side that appears a little further on in the other.
            int skipA = Find(a, i, j < b.Length ? b[j] : null), skipB = Find(b, j, i < a.Length ? a[i] : null);
            if (skipB >= 0 && (skipA < 0 || skipB <= skipA))
                for (int k = 0; k < skipB && shown < ShownDifferences; k++, j++, shown++)
                    diff.AppendLine($"+{j + 1,5}: {b[j]}");
            else if (skipA >= 0)
                for (int k = 0; k < skipA && shown < ShownDifferences; k++, i++, shown++)
                    diff.AppendLine($"-{i + 1,5}: {a[i]}");
            else
            {
                if (i < a.Length) { diff.AppendLine($"-{i + 1,5}: {a[i]}"); i++; shown++; }
                if (j < b.Length) { diff.AppendLine($"+{j + 1,5}: {b[j]}"); j++; shown++; }
            }
        }
        if (shown >= ShownDifferences) diff.AppendLine("... (more differences)");
        diff.AppendLine($"verified: {a.Length} lines, received: {b.Length} lines");
        return diff.ToString();
    }

    /// <summary>How many lines after <paramref name="from"/> the line <paramref name="line"/> is, within a short window; -1 if not.</summary>
    private static int Find(string[] lines, int from, string? line)
    {
        if (line == null) return lines.Length - from;
        for (int k = 1; k <= 50 && from + k < lines.Length; k++)
            if (lines[from + k] == line) return k;
        return -1;
    }
}
