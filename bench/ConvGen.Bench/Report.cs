namespace ConvGen.Bench;
public static class Report
{
    public static string OrtVersion() => "";
    public static void Write(BenchmarkDotNet.Reports.Summary s, object? cold, string dir) { }
}
