// Ordinance.cs — a small .NET wrapper of libordinance, the C ABI of ordinance
// (include/ordinance.h). Plain DllImport, a SafeHandle for the engine,
// UTF-8 marshalling done by hand, and exceptions that carry the structured
// error. It keeps to C# 7.2 and to what both .NET Framework 4.x (or Mono)
// and .NET 6+ accept, so it compiles with Mono's `mcs` as it is:
//
//   mcs -langversion:7.2 -out:Program.exe Ordinance.cs Program.cs
//
// The native library is found by the name "ordinance": libordinance.so on
// Linux — beside the program (the NuGet package's build/Ordinance.targets
// copies runtimes/linux-x64/native/libordinance.so there), on
// LD_LIBRARY_PATH, or installed with `make install`; ordinance.dll on
// Windows. When it cannot be found, the first call throws an
// OrdinanceLibraryNotFoundException saying where it looked and how to fix
// it. See docs/c-abi.md.
//
// Built as a class library by dotnet/Ordinance/Ordinance.csproj and
// packed by dotnet/pack.sh; it also compiles on its own with mcs.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Ordinance
{
    /// <summary>The status codes of include/ordinance.h (OrdStatus).</summary>
    public enum OrdStatus
    {
        Ok = 0,
        NullArgument = 1,
        InvalidUtf8 = 2,
        InvalidJson = 3,
        LoadError = 4,
        UnknownRule = 5,
        InputError = 6,
        ValidityError = 7,
        EvaluationError = 8,
        LimitExceeded = 9,
        Panic = 10,
    }

    /// <summary>The native functions, exactly as the header declares them.
    /// Strings go in as NUL-terminated UTF-8 byte arrays; strings come back
    /// as pointers that <see cref="Utf8"/> decodes.</summary>
    internal static class NativeMethods
    {
        private const string Lib = "ordinance";

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_engine_load_dir(byte[] dir, out EngineHandle engine);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_engine_reload(EngineHandle engine);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void ord_engine_free(IntPtr engine);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_evaluate_json(
            EngineHandle engine, byte[] ruleId, byte[] inputJson, byte[] optionsJson, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_evaluate_many_json(
            EngineHandle engine, byte[] ruleId, byte[] inputsJson, byte[] optionsJson, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_engine_ruleset(EngineHandle engine, out IntPtr output);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_engine_rules_json(EngineHandle engine, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern OrdStatus ord_engine_run_tests_json(EngineHandle engine, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ord_last_error_message();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ord_last_error_json();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void ord_string_free(IntPtr s);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr ord_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint ord_abi_version();
    }

    /// <summary>Owns one native OrdEngine and frees it exactly once, even if
    /// the Engine is never disposed. While a native call is using the
    /// handle, the marshaller keeps it alive, so Dispose cannot free the
    /// engine under a running evaluation.</summary>
    public sealed class EngineHandle : SafeHandle
    {
        public EngineHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        protected override bool ReleaseHandle()
        {
            NativeMethods.ord_engine_free(handle);
            return true;
        }
    }

    /// <summary>UTF-8 in both directions, by hand: .NET Framework has no
    /// UTF-8 string marshalling.</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>A NUL-terminated UTF-8 copy of s, or null for null.</summary>
        internal static byte[] ToNative(string s)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0)
                throw new ArgumentException("a string passed to ordinance cannot contain NUL characters");
            int n = Strict.GetByteCount(s);
            var bytes = new byte[n + 1];
            Strict.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }

        /// <summary>Decodes a NUL-terminated UTF-8 string the library owns.</summary>
        internal static string FromNative(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0) len++;
            var bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            return Strict.GetString(bytes);
        }

        /// <summary>Decodes a string the caller owns, then frees it with
        /// ord_string_free.</summary>
        internal static string TakeNative(IntPtr p)
        {
            try { return FromNative(p); }
            finally { NativeMethods.ord_string_free(p); }
        }
    }

    /// <summary>A failed call: the status, and the fields of the structured
    /// error (ord_last_error_json). Fields that do not apply are null.</summary>
    public class OrdinanceException : Exception
    {
        /// <summary>The status the native call returned.</summary>
        public OrdStatus Status { get; private set; }
        /// <summary>The error code: load, unknown_rule, input, validity,
        /// evaluation, limit, invalid_json, invalid_utf8, null_argument, panic.</summary>
        public string Code { get; private set; }
        /// <summary>The pack file of a load error.</summary>
        public string File { get; private set; }
        /// <summary>1-based line of a load error.</summary>
        public int? Line { get; private set; }
        /// <summary>1-based column of a load error.</summary>
        public int? Column { get; private set; }
        /// <summary>The rule concerned.</summary>
        public string Rule { get; private set; }
        /// <summary>The input field concerned, e.g. "class" or "roster[3].sector".</summary>
        public string Field { get; private set; }
        /// <summary>The allowed values of an enumeration input.</summary>
        public IList<string> Allowed { get; private set; }
        /// <summary>How to fix it, when the engine knows.</summary>
        public string Hint { get; private set; }
        /// <summary>The whole structured error, as JSON.</summary>
        public string Json { get; private set; }

        internal OrdinanceException(OrdStatus status, string message, string json)
            : base(string.IsNullOrEmpty(message) ? "ordinance call failed with status " + status : message)
        {
            Status = status;
            Json = json;
            var fields = Ordinance.Json.Parse(json) as IDictionary<string, object>;
            if (fields == null) return;
            Code = Get<string>(fields, "code");
            File = Get<string>(fields, "file");
            Line = GetInt(fields, "line");
            Column = GetInt(fields, "column");
            Rule = Get<string>(fields, "rule");
            Field = Get<string>(fields, "field");
            Hint = Get<string>(fields, "hint");
            var allowed = Get<List<object>>(fields, "allowed");
            if (allowed != null) Allowed = allowed.ConvertAll(a => Convert.ToString(a, CultureInfo.InvariantCulture)).AsReadOnly();
        }

        private static T Get<T>(IDictionary<string, object> m, string key) where T : class
        {
            object v;
            return m.TryGetValue(key, out v) ? v as T : null;
        }

        private static int? GetInt(IDictionary<string, object> m, string key)
        {
            object v;
            if (m.TryGetValue(key, out v) && v is long) return (int)(long)v;
            return null;
        }

        /// <summary>The last error of this thread, as an exception. Call it
        /// right after the failed native call, on the same thread.</summary>
        internal static OrdinanceException Last(OrdStatus status)
        {
            string message = Utf8.FromNative(NativeMethods.ord_last_error_message());
            string json = Utf8.FromNative(NativeMethods.ord_last_error_json());
            return new OrdinanceException(status, message, json);
        }
    }

    /// <summary>The native library could not be loaded: what was looked
    /// for, where, and how to fix it. It is a DllNotFoundException, so code
    /// that catches that still does.</summary>
    public sealed class OrdinanceLibraryNotFoundException : DllNotFoundException
    {
        /// <summary>The file names looked for (libordinance.so, ordinance.dll).</summary>
        public string LookedFor { get; private set; }
        /// <summary>The folders searched, in order.</summary>
        public IList<string> SearchedIn { get; private set; }

        internal OrdinanceLibraryNotFoundException(string lookedFor, IList<string> searchedIn, Exception inner)
            : base(Describe(lookedFor, searchedIn, inner), inner)
        {
            LookedFor = lookedFor;
            SearchedIn = searchedIn;
        }

        private static string Describe(string lookedFor, IList<string> searchedIn, Exception inner)
        {
            var sb = new StringBuilder();
            // (the runtime's own message, in InnerException, names no file on Mono)
            sb.Append("the native library of ordinance (").Append(lookedFor).Append(") could not be loaded");
            sb.Append(". Looked in: ").Append(string.Join("; ", searchedIn)).Append(". ");
            sb.Append("To fix it: copy runtimes/linux-x64/native/libordinance.so from the Ordinance package beside the program ");
            sb.Append("(an MSBuild project that references the package does this through build/Ordinance.targets), ");
            sb.Append("or put the folder holding it on LD_LIBRARY_PATH, or install libordinance (make install, see docs/c-abi.md).");
            return sb.ToString();
        }

        /// <summary>Where the runtime looks for the library, for the message.</summary>
        internal static OrdinanceLibraryNotFoundException For(Exception inner)
        {
            var places = new List<string>();
            places.Add(AppDomain.CurrentDomain.BaseDirectory);
            string here = System.IO.Path.GetDirectoryName(typeof(OrdinanceLibraryNotFoundException).Assembly.Location);
            if (!string.IsNullOrEmpty(here) && !places.Contains(here)) places.Add(here);
            string ld = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            places.Add("LD_LIBRARY_PATH=" + (string.IsNullOrEmpty(ld) ? "(not set)" : ld));
            places.Add("the system library path (ldconfig)");
            return new OrdinanceLibraryNotFoundException("libordinance.so on Linux, ordinance.dll on Windows, libordinance.dylib on macOS", places.AsReadOnly(), inner);
        }
    }

    /// <summary>A decision: the outputs of a rule, the trace and what it was
    /// computed against. Each output has one .NET type, by the rule's
    /// declared type: integer → long; money, decimal(n) and number →
    /// decimal (money with exactly its places, 1080.10m) — except a number
    /// with no finite decimal form, which stays the exact string "1/3";
    /// bool → bool; text, enums, dates ("YYYY-MM-DD"), times and durations →
    /// string; lists and records as parsed JSON (List&lt;object&gt;,
    /// IDictionary&lt;string, object&gt;).</summary>
    public sealed class Decision
    {
        public string Rule { get; private set; }
        public IDictionary<string, object> Outputs { get; private set; }
        public IList<object> Trace { get; private set; }
        public string Ruleset { get; private set; }
        public string AsOf { get; private set; }
        public string AsOfReason { get; private set; }
        /// <summary>The decision document as the engine wrote it.</summary>
        public string Json { get; private set; }

        internal Decision(string json, IDictionary<string, object> outputTypes)
        {
            Json = json;
            var d = (IDictionary<string, object>)Ordinance.Json.Parse(json);
            Rule = (string)d["rule"];
            var outputs = (IDictionary<string, object>)d["outputs"];
            if (outputTypes != null)
            {
                var typed = new Dictionary<string, object>();
                foreach (var kv in outputs)
                {
                    object ty;
                    typed[kv.Key] = outputTypes.TryGetValue(kv.Key, out ty) ? Typed(kv.Value, ty) : kv.Value;
                }
                outputs = typed;
            }
            Outputs = outputs;
            Trace = (IList<object>)d["trace"];
            Ruleset = (string)d["ruleset"];
            AsOf = (string)d["as_of"];
            AsOfReason = (string)d["as_of_reason"];
        }

        /// <summary>A value of the decision document as its declared type
        /// asks (see the class summary).</summary>
        internal static object Typed(object value, object type)
        {
            var td = type as IDictionary<string, object>;
            object inner;
            if (td != null && td.TryGetValue("optional", out inner)) return Typed(value, inner);
            if (value == null) return null;
            bool isNumber = "number".Equals(type) || (td != null && td.ContainsKey("decimal"));
            if ("integer".Equals(type) && value is decimal) return value; // beyond long
            if (!isNumber) return value;
            if (value is long) return (decimal)(long)value;
            if (value is decimal) return value;
            var s = value as string;
            decimal d;
            if (s != null && s.IndexOf('/') < 0
                && decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                                    CultureInfo.InvariantCulture, out d))
                return d; // keeps the places written: "1080.10" is 1080.10m
            return value; // "1/3": no decimal form
        }

        /// <summary>An output as a long (an integer output).</summary>
        /// <exception cref="InvalidCastException">The output is not an integer.</exception>
        public long GetLong(string name)
        {
            object v = Outputs[name];
            if (v is long) return (long)v;
            if (v is decimal && decimal.Truncate((decimal)v) == (decimal)v) return decimal.ToInt64((decimal)v);
            throw new InvalidCastException("output `" + name + "` is " + Describe(v) + ", not an integer");
        }

        /// <summary>An output as a string (text, enums, dates, exact fractions).</summary>
        public string GetString(string name)
        {
            object v = Outputs[name];
            if (v is string) return (string)v;
            throw new InvalidCastException("output `" + name + "` is " + Describe(v) + ", not text");
        }

        /// <summary>An output as a bool.</summary>
        public bool GetBool(string name)
        {
            object v = Outputs[name];
            if (v is bool) return (bool)v;
            throw new InvalidCastException("output `" + name + "` is " + Describe(v) + ", not a truth value");
        }

        private static string Describe(object v)
        {
            if (v == null) return "null";
            if (v is string) return "\"" + v + "\"";
            return v.GetType().Name + " " + Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        /// <summary>An output as a decimal. The engine sends money and
        /// decimal(n) outputs as strings with exactly their places
        /// ("1080.10"), integers as JSON integers and other numbers as exact
        /// strings ("0.1", or "1/3" for a value with no decimal form).</summary>
        /// <exception cref="KeyNotFoundException">No output has that name.</exception>
        /// <exception cref="FormatException">The output is not a number, or
        /// is a fraction with no finite decimal form such as "1/3".</exception>
        public decimal GetDecimal(string name)
        {
            object v = Outputs[name];
            object t = Typed(v, "number");
            if (t is decimal) return (decimal)t;
            var s = v as string;
            throw new FormatException("output `" + name + "` is " + (s != null ? "\"" + s + "\"" : (v == null ? "null" : v.GetType().Name))
                                      + ", not a decimal number");
        }
    }

    /// <summary>A rules engine over the packs of one directory. Thread-safe:
    /// evaluate from any number of threads, also while one reloads.</summary>
    public sealed class Engine : IDisposable
    {
        private readonly EngineHandle handle;

        /// <summary>The ABI major version this wrapper was written for.</summary>
        public const uint AbiVersion = 1;

        /// <summary>Loads every .yaml pack in rulesDir.</summary>
        /// <exception cref="OrdinanceException">The packs do not load
        /// (Code "load", with File, Line and Column).</exception>
        public Engine(string rulesDir)
        {
            if (rulesDir == null) throw new ArgumentNullException("rulesDir");
            uint abi = NativeAbi();
            if (abi != AbiVersion)
                throw new InvalidOperationException(string.Format(
                    "libordinance implements C ABI {0}, this wrapper was written for ABI {1}", abi, AbiVersion));
            EngineHandle h;
            OrdStatus status = NativeMethods.ord_engine_load_dir(Utf8.ToNative(rulesDir), out h);
            if (status != OrdStatus.Ok)
            {
                var error = OrdinanceException.Last(status);
                h.Dispose();
                throw error;
            }
            handle = h;
        }

        /// <summary>The native library's ABI version; loading it is where a
        /// missing library shows, so it becomes the clear exception.</summary>
        private static uint NativeAbi()
        {
            try
            {
                return NativeMethods.ord_abi_version();
            }
            catch (DllNotFoundException e)
            {
                throw OrdinanceLibraryNotFoundException.For(e);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new InvalidOperationException(
                    "the library found as \"ordinance\" is not libordinance (it has no ord_abi_version): " + e.Message, e);
            }
        }

        /// <summary>The version of the native library.</summary>
        public static string LibraryVersion { get { NativeAbi(); return Utf8.FromNative(NativeMethods.ord_version()); } }

        private readonly object typesLock = new object();
        private Dictionary<string, IDictionary<string, object>> outputTypes;

        /// <summary>The declared type of each output of a rule (from the
        /// rules' metadata, read once per load).</summary>
        private IDictionary<string, object> OutputTypes(string rule)
        {
            lock (typesLock)
            {
                if (outputTypes == null)
                {
                    var all = new Dictionary<string, IDictionary<string, object>>();
                    object parsed = Ordinance.Json.Parse(RulesJson());
                    var doc = parsed as IDictionary<string, object>;
                    object listed = parsed;
                    if (doc != null) doc.TryGetValue("rules", out listed);
                    var rules = listed as IList<object>;
                    if (rules != null)
                    {
                        foreach (var r in rules)
                        {
                            var info = r as IDictionary<string, object>;
                            if (info == null) continue;
                            var types = new Dictionary<string, object>();
                            object outs;
                            if (info.TryGetValue("outputs", out outs) && outs is IList<object>)
                            {
                                foreach (var o in (IList<object>)outs)
                                {
                                    var field = o as IDictionary<string, object>;
                                    if (field != null) types[(string)field["name"]] = field["type"];
                                }
                            }
                            all[(string)info["id"]] = types;
                        }
                    }
                    outputTypes = all;
                }
                IDictionary<string, object> found;
                return outputTypes.TryGetValue(rule, out found) ? found : null;
            }
        }

        /// <summary>The rule-set version: a content hash of the loaded packs.</summary>
        public string Ruleset
        {
            get
            {
                IntPtr s;
                Check(NativeMethods.ord_engine_ruleset(handle, out s));
                return Utf8.TakeNative(s);
            }
        }

        /// <summary>Evaluates a rule; returns the decision document as JSON.</summary>
        /// <param name="asOf">"YYYY-MM-DD", or null for the engine's default.</param>
        public string EvaluateJson(string rule, string inputJson, string asOf = null, bool trace = true)
        {
            IntPtr output;
            Check(NativeMethods.ord_evaluate_json(handle, Utf8.ToNative(rule), Utf8.ToNative(inputJson),
                                                  Options(asOf, trace), out output));
            return Utf8.TakeNative(output);
        }

        /// <summary>Evaluates a rule; returns the parsed decision.</summary>
        public Decision Evaluate(string rule, string inputJson, string asOf = null, bool trace = true)
        {
            string json = EvaluateJson(rule, inputJson, asOf, trace);
            return new Decision(json, OutputTypes(rule));
        }

        /// <summary>Evaluates one rule over a JSON array of inputs; returns a
        /// JSON array of {"ok": decision} or {"error": error}, in order.</summary>
        public string EvaluateManyJson(string rule, string inputsJson, string asOf = null, bool trace = false)
        {
            IntPtr output;
            Check(NativeMethods.ord_evaluate_many_json(handle, Utf8.ToNative(rule), Utf8.ToNative(inputsJson),
                                                       Options(asOf, trace), out output));
            return Utf8.TakeNative(output);
        }

        /// <summary>The metadata of every rule, as a JSON array.</summary>
        public string RulesJson()
        {
            IntPtr output;
            Check(NativeMethods.ord_engine_rules_json(handle, out output));
            return Utf8.TakeNative(output);
        }

        /// <summary>Runs the packs' own tests; returns {"passed","failed","tests"}.</summary>
        public string RunTestsJson()
        {
            IntPtr output;
            Check(NativeMethods.ord_engine_run_tests_json(handle, out output));
            return Utf8.TakeNative(output);
        }

        /// <summary>Loads the packs again; on failure the engine keeps its
        /// old rules and this throws the load error.</summary>
        public void Reload()
        {
            Check(NativeMethods.ord_engine_reload(handle));
            lock (typesLock) { outputTypes = null; }
        }

        public void Dispose()
        {
            handle.Dispose();
        }

        private static byte[] Options(string asOf, bool trace)
        {
            var sb = new StringBuilder("{");
            if (asOf != null) sb.Append("\"as_of\":").Append(Json.Quote(asOf)).Append(',');
            sb.Append("\"trace\":").Append(trace ? "true" : "false").Append('}');
            return Utf8.ToNative(sb.ToString());
        }

        private static void Check(OrdStatus status)
        {
            if (status != OrdStatus.Ok) throw OrdinanceException.Last(status);
        }
    }

    /// <summary>Just enough JSON for the engine's documents: objects become
    /// Dictionary&lt;string, object&gt;, arrays List&lt;object&gt;, integers
    /// long (or decimal when larger), strings string, true/false bool, null
    /// null. The engine never writes a binary floating-point number.</summary>
    public static class Json
    {
        /// <summary>s as a JSON string literal.</summary>
        public static string Quote(string s)
        {
            var sb = new StringBuilder(s.Length + 2);
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < ' ') sb.AppendFormat(CultureInfo.InvariantCulture, "\\u{0:x4}", (int)c);
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        public static object Parse(string text)
        {
            if (text == null) return null;
            int i = 0;
            object v = Value(text, ref i);
            Space(text, ref i);
            if (i != text.Length) throw new FormatException("trailing characters in JSON at offset " + i);
            return v;
        }

        private static void Space(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        }

        private static object Value(string s, ref int i)
        {
            Space(s, ref i);
            if (i >= s.Length) throw new FormatException("unexpected end of JSON");
            char c = s[i];
            if (c == '{') return Object(s, ref i);
            if (c == '[') return Array(s, ref i);
            if (c == '"') return String(s, ref i);
            if (Literal(s, ref i, "true")) return true;
            if (Literal(s, ref i, "false")) return false;
            if (Literal(s, ref i, "null")) return null;
            return Number(s, ref i);
        }

        private static bool Literal(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
            i += word.Length;
            return true;
        }

        private static Dictionary<string, object> Object(string s, ref int i)
        {
            var m = new Dictionary<string, object>();
            i++;
            Space(s, ref i);
            if (i < s.Length && s[i] == '}') { i++; return m; }
            while (true)
            {
                Space(s, ref i);
                string key = String(s, ref i);
                Space(s, ref i);
                Expect(s, ref i, ':');
                m[key] = Value(s, ref i);
                Space(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                Expect(s, ref i, '}');
                return m;
            }
        }

        private static List<object> Array(string s, ref int i)
        {
            var a = new List<object>();
            i++;
            Space(s, ref i);
            if (i < s.Length && s[i] == ']') { i++; return a; }
            while (true)
            {
                a.Add(Value(s, ref i));
                Space(s, ref i);
                if (i < s.Length && s[i] == ',') { i++; continue; }
                Expect(s, ref i, ']');
                return a;
            }
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c)
                throw new FormatException(string.Format("expected '{0}' in JSON at offset {1}", c, i));
            i++;
        }

        private static string String(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= s.Length) throw new FormatException("unterminated JSON string");
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (i >= s.Length) throw new FormatException("unterminated JSON escape");
                char e = s[i++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length) throw new FormatException("short \\u escape in JSON");
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: throw new FormatException("bad escape in JSON at offset " + i);
                }
            }
        }

        private static object Number(string s, ref int i)
        {
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            string literal = s.Substring(start, i - start);
            if (literal.Length == 0) throw new FormatException("unexpected character in JSON at offset " + start);
            long l;
            if (long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
            decimal d;
            if (decimal.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return d;
            return literal;
        }
    }
}
