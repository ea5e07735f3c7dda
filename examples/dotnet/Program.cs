// Program.cs — evaluates the 2024 energy-safety roster through libordinance
// and prints the planned inspections by sector, as a .NET system would.
// Every figure printed comes from the engine (energy_safety.planned_inspections);
// this program only reads the roster and formats the answer.
//
// Against the Ordinance package (dotnet/pack.sh builds it; the test command
// does what follows):
//
//   nuget install Ordinance -Source target/dotnet/feed -OutputDirectory packages
//   mcs -langversion:7.2 -r:packages/Ordinance.0.1.0/lib/net45/Ordinance.dll -out:Program.exe Program.cs
//   cp packages/Ordinance.0.1.0/lib/net45/Ordinance.dll packages/Ordinance.0.1.0/runtimes/linux-x64/native/libordinance.so .
//   mono Program.exe [RULES_DIR] [ROSTER_TSV]
//
// RULES_DIR defaults to ./rules and ROSTER_TSV to examples/dotnet/roster_2024.tsv
// (name, sector, class; tab-separated; lines starting with # are comments).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Ordinance;

internal static class Program
{
    private const string AsOf = "2024-06-30";

    // The plan's order of sectors (三(四)1), with the words it uses.
    private static readonly string[][] Sectors =
    {
        new[] { "coal_mine", "煤矿" },
        new[] { "coal_business", "煤炭企业（含煤炭集装站）" },
        new[] { "power", "电力企业" },
        new[] { "oil_gas_pipeline", "油气长输管道企业" },
        new[] { "new_energy", "新能源企业" },
    };

    private static int Main(string[] args)
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        string rulesDir = args.Length > 0 ? args[0] : "rules";
        string rosterPath = args.Length > 1 ? args[1] : Path.Combine("examples", "dotnet", "roster_2024.tsv");

        try
        {
            List<string[]> roster = ReadRoster(rosterPath);
            using (var engine = new Engine(rulesDir))
            {
                PrintPlan(engine, roster);
                ShowBatch(engine, roster);
                ShowError(engine);
                ShowMoney(engine);
            }
            return 0;
        }
        catch (OrdinanceException e)
        {
            Console.Error.WriteLine("ordinance error [{0}, code {1}]: {2}", e.Status, e.Code, e.Message);
            if (e.File != null) Console.Error.WriteLine("  at {0}:{1}:{2}", e.File, e.Line, e.Column);
            return 1;
        }
        catch (OrdinanceLibraryNotFoundException e)
        {
            Console.Error.WriteLine("ordinance: {0}", e.Message);
            return 1;
        }
    }

    /// <summary>Rows of (name, sector, class) from the tab-separated file.</summary>
    private static List<string[]> ReadRoster(string path)
    {
        var rows = new List<string[]>();
        bool header = true;
        foreach (string line in File.ReadAllLines(path, Encoding.UTF8))
        {
            if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal)) continue;
            string[] cells = line.Split('\t');
            if (cells.Length != 3) throw new FormatException(path + ": expected name, sector, class: " + line);
            if (header) { header = false; continue; }
            rows.Add(cells);
        }
        return rows;
    }

    private static string RosterJson(IEnumerable<string[]> rows)
    {
        var sb = new StringBuilder("[");
        foreach (string[] r in rows)
        {
            if (sb.Length > 1) sb.Append(',');
            sb.Append("{\"name\":").Append(Json.Quote(r[0]))
              .Append(",\"sector\":").Append(Json.Quote(r[1]))
              .Append(",\"class\":").Append(Json.Quote(r[2])).Append('}');
        }
        return sb.Append(']').ToString();
    }

    private static void PrintPlan(Engine engine, List<string[]> roster)
    {
        Decision d = engine.Evaluate("energy_safety.planned_inspections",
                                     "{\"roster\":" + RosterJson(roster) + "}", AsOf, false);
        var bySector = (IDictionary<string, object>)d.Outputs["by_sector"];
        var enterprises = (IDictionary<string, object>)d.Outputs["enterprises_by_class"];

        Console.WriteLine("Planned inspections 2024 (东政发〔2024〕2号 三(四)1)");
        Console.WriteLine("rule {0}, ruleset {1}, as of {2} ({3}), library {4}",
                          d.Rule, d.Ruleset, d.AsOf, d.AsOfReason, Engine.LibraryVersion);
        Console.WriteLine("{0} enterprises on the roster", enterprises["total"]);
        Console.WriteLine();
        Console.WriteLine("{0,-18} {1,6}", "sector", "visits");
        foreach (string[] s in Sectors)
        {
            Console.WriteLine("{0,-18} {1,6}  {2}", s[0], bySector[s[0]], s[1]);
        }
        Console.WriteLine("{0,-18} {1,6}  {2}", "total", d.Outputs["total"], "合计 (家次)");
    }

    /// <summary>One call over several records: each gets its own result,
    /// and a bad record does not hide the others.</summary>
    private static void ShowBatch(Engine engine, List<string[]> roster)
    {
        var sample = new List<string>();
        foreach (int i in new[] { 0, 30, roster.Count - 1 })
        {
            sample.Add("{\"class\":" + Json.Quote(roster[i][2]) + "}");
        }
        sample.Add("{\"class\":\"E\"}");
        var results = (List<object>)Json.Parse(
            engine.EvaluateManyJson("energy_safety.inspection_frequency", "[" + string.Join(",", sample) + "]", AsOf));
        Console.WriteLine();
        Console.WriteLine("inspection_frequency over {0} records in one call:", results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            var item = (IDictionary<string, object>)results[i];
            object ok, error;
            if (item.TryGetValue("ok", out ok))
            {
                var outputs = (IDictionary<string, object>)((IDictionary<string, object>)ok)["outputs"];
                Console.WriteLine("  {0}: {1}, {2} visits a year", sample[i], outputs["mode"], outputs["visits_per_year"]);
            }
            else if (item.TryGetValue("error", out error))
            {
                var e = (IDictionary<string, object>)error;
                Console.WriteLine("  {0}: error {1}: {2}", sample[i], e["code"], e["message"]);
            }
        }
    }

    /// <summary>Money comes back as a C# decimal, to the 分.</summary>
    private static void ShowMoney(Engine engine)
    {
        Decision d = engine.Evaluate("individual_income_tax.annual_tax", "{\"taxable\":\"36001.50\"}", AsOf, false);
        decimal tax = d.GetDecimal("tax");
        Console.WriteLine();
        Console.WriteLine("income tax on 36001.50: {0} ({1}, {2})", tax.ToString(CultureInfo.InvariantCulture),
                          Convert.ToString(d.Outputs["tax"], CultureInfo.InvariantCulture), d.Outputs["tax"].GetType().Name);
        // one .NET type per output, whatever its value: a rate of 3% and of 10% are both decimals
        Decision low = engine.Evaluate("individual_income_tax.annual_tax", "{\"taxable\":\"0\"}", AsOf, false);
        Console.WriteLine("rate types: {0} {1}", low.Outputs["rate"].GetType().Name, d.Outputs["rate"].GetType().Name);
    }

    /// <summary>A bad input raises an exception carrying the structured error.</summary>
    private static void ShowError(Engine engine)
    {
        try
        {
            engine.Evaluate("energy_safety.inspection_frequency", "{\"class\":\"E\"}", AsOf);
            Console.WriteLine("unexpected: class E was accepted");
        }
        catch (OrdinanceException e)
        {
            Console.WriteLine();
            Console.WriteLine("class E rejected: status {0}, code {1}, field {2}, allowed {3}",
                              e.Status, e.Code, e.Field, string.Join("/", e.Allowed));
        }
    }
}
