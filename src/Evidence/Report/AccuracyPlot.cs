using System.Globalization;

namespace TokenClean.Evidence.Report;

/// <summary>
/// The benchmark's figure: held-out accuracy (mean, ± std as error bars) against the noise rate, one line per method,
/// one panel per keep ratio; the top row exact match under greedy decoding, the bottom row the teacher-forced answer
/// accuracy. Methods without a keep ratio (full, oracle) appear in every panel; points of different methods at the
/// same noise rate are shifted a few pixels apart so none hides another.
/// </summary>
public static class AccuracyPlot
{
    private static readonly (byte, byte, byte) Ink = (30, 30, 30);
    private static readonly (byte, byte, byte) Grid = (225, 225, 225);

    private static readonly Dictionary<string, (byte, byte, byte)> Colours = new(StringComparer.Ordinal)
    {
        ["full"] = (31, 119, 180),
        ["random"] = (127, 127, 127),
        ["per-sample"] = (255, 127, 14),
        ["fixed-model"] = (44, 160, 44),
        ["self-evolving"] = (148, 103, 189),
        ["oracle"] = (214, 39, 40),
    };

    /// <summary>Renders <paramref name="table"/> into a PNG at <paramref name="path"/>.</summary>
    public static void Write(string path, ResultTable table, IReadOnlyList<string> methodOrder)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(methodOrder);
        var rows = table.Rows.Where(r => !double.IsNaN(r.NoiseRate) && Colours.ContainsKey(r.Method)).ToList();
        var keeps = rows.Where(r => !double.IsNaN(r.Keep)).Select(r => r.Keep).Distinct().Order().ToList();
        if (keeps.Count == 0)
        {
            keeps.Add(double.NaN);
        }

        var noises = rows.Select(r => r.NoiseRate).Distinct().Order().ToList();
        var maxNoise = Math.Max(noises.Count == 0 ? 0.3 : noises.Max(), 0.1);
        const int panelW = 440, panelH = 360, left = 70, top = 50, plotW = 330, plotH = 250;
        var methods = methodOrder.Where(Colours.ContainsKey).ToList();
        var width = Math.Max(panelW * keeps.Count, 640);
        var legendRows = 1;
        for (int lx0 = 20, i = 0; i < methods.Count; i++)
        {
            var w = 40 + PngCanvas.TextWidth(methods[i]);
            if (lx0 + w > width - 10)
            {
                legendRows++;
                lx0 = 20;
            }

            lx0 += w;
        }

        var legendH = 10 + (legendRows * 26);
        var canvas = new PngCanvas(width, (2 * panelH) + legendH, (255, 255, 255));
        var metrics = new (string Name, Func<ResultTable.Row, ResultTable.Stat> Of)[] { ("EXACT MATCH (GREEDY)", r => r.Accuracy), ("ANSWER ACC. (FORCED)", r => r.AnswerAccuracy) };
        for (var panel = 0; panel < keeps.Count * 2; panel++)
        {
            var p = panel % keeps.Count;
            var (metricName, of) = metrics[panel / keeps.Count];
            var ox = p * panelW;
            var oy = panel / keeps.Count * panelH;
            var keep = keeps[p];
            var title = double.IsNaN(keep) ? metricName : $"{metricName} KEEP {keep.ToString("0.0#", CultureInfo.InvariantCulture)}";
            canvas.Text(ox + left + ((plotW - PngCanvas.TextWidth(title)) / 2), oy + 15, title, Ink);
            int X(double noise) => ox + left + (int)Math.Round(noise / maxNoise * plotW);
            int Y(double acc) => oy + top + plotH - (int)Math.Round(Math.Clamp(acc, 0, 1) * plotH);
            for (var t = 0; t <= 5; t++)
            {
                var acc = t / 5.0;
                canvas.Line(X(0), Y(acc), X(maxNoise), Y(acc), Grid);
                canvas.Text(ox + left - 40, Y(acc) - 7, acc.ToString("0.0", CultureInfo.InvariantCulture), Ink);
            }

            foreach (var n in noises)
            {
                canvas.Line(X(n), oy + top, X(n), oy + top + plotH, Grid);
                var label = n.ToString("0.0#", CultureInfo.InvariantCulture);
                canvas.Text(X(n) - (PngCanvas.TextWidth(label) / 2), oy + top + plotH + 8, label, Ink);
            }

            canvas.Line(X(0), oy + top + plotH, X(maxNoise), oy + top + plotH, Ink, 2);
            canvas.Line(X(0), oy + top, X(0), oy + top + plotH, Ink, 2);
            canvas.Text(ox + left + ((plotW - PngCanvas.TextWidth("NOISE RATE")) / 2), oy + top + plotH + 30, "NOISE RATE", Ink);

            for (var mi = 0; mi < methods.Count; mi++)
            {
                var method = methods[mi];
                var shift = (mi * 4) - (methods.Count * 2);
                var points = rows.Where(r => r.Method == method && (double.IsNaN(r.Keep) || r.Keep.Equals(keep))).OrderBy(r => r.NoiseRate).ToList();
                var colour = Colours[method];
                for (var i = 0; i < points.Count; i++)
                {
                    var st = of(points[i]);
                    int x = X(points[i].NoiseRate) + shift, y = Y(st.Mean);
                    if (!double.IsNaN(st.Std) && st.Std > 0)
                    {
                        canvas.Line(x, Y(st.Mean - st.Std), x, Y(st.Mean + st.Std), colour);
                        canvas.Line(x - 3, Y(st.Mean - st.Std), x + 3, Y(st.Mean - st.Std), colour);
                        canvas.Line(x - 3, Y(st.Mean + st.Std), x + 3, Y(st.Mean + st.Std), colour);
                    }

                    canvas.FillRect(x - 4, y - 4, 9, 9, colour);
                    if (i > 0)
                    {
                        var prev = of(points[i - 1]);
                        canvas.Line(X(points[i - 1].NoiseRate) + shift, Y(prev.Mean), x, y, colour, 2, dash: method == "oracle" ? 6 : 0);
                    }
                }
            }
        }

        var lx = 20;
        var ly = (2 * panelH) + 6;
        foreach (var method in methods)
        {
            var w = 40 + PngCanvas.TextWidth(method);
            if (lx + w > width - 10)
            {
                lx = 20;
                ly += 26;
            }

            canvas.FillRect(lx, ly, 14, 14, Colours[method]);
            canvas.Text(lx + 20, ly, method, Ink);
            lx += w;
        }

        canvas.Save(path);
    }
}
