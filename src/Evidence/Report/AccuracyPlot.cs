using System.Globalization;

namespace TokenClean.Evidence.Report;

/// <summary>
/// The benchmark's figure: held-out accuracy (mean, ± std as error bars) against the noise rate, one line per method,
/// one panel per keep ratio. Methods without a keep ratio (full, oracle) appear in every panel.
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
        const int panelW = 420, panelH = 360, left = 70, top = 50, plotW = 320, plotH = 250;
        var legendH = 40;
        var canvas = new PngCanvas(panelW * keeps.Count, panelH + legendH, (255, 255, 255));
        for (var p = 0; p < keeps.Count; p++)
        {
            var ox = p * panelW;
            var keep = keeps[p];
            var title = double.IsNaN(keep) ? "ACCURACY VS NOISE" : $"KEEP {keep.ToString("0.0#", CultureInfo.InvariantCulture)}";
            canvas.Text(ox + left + ((plotW - PngCanvas.TextWidth(title)) / 2), 15, title, Ink);
            int X(double noise) => ox + left + (int)Math.Round(noise / maxNoise * plotW);
            int Y(double acc) => top + plotH - (int)Math.Round(Math.Clamp(acc, 0, 1) * plotH);
            for (var t = 0; t <= 5; t++)
            {
                var acc = t / 5.0;
                canvas.Line(X(0), Y(acc), X(maxNoise), Y(acc), Grid);
                canvas.Text(ox + left - 40, Y(acc) - 7, acc.ToString("0.0", CultureInfo.InvariantCulture), Ink);
            }

            foreach (var n in noises)
            {
                canvas.Line(X(n), top, X(n), top + plotH, Grid);
                var label = n.ToString("0.0#", CultureInfo.InvariantCulture);
                canvas.Text(X(n) - (PngCanvas.TextWidth(label) / 2), top + plotH + 8, label, Ink);
            }

            canvas.Line(X(0), top + plotH, X(maxNoise), top + plotH, Ink, 2);
            canvas.Line(X(0), top, X(0), top + plotH, Ink, 2);
            canvas.Text(ox + left + ((plotW - PngCanvas.TextWidth("NOISE RATE")) / 2), top + plotH + 30, "NOISE RATE", Ink);
            canvas.Text(ox + 8, top - 25, "ACCURACY", Ink);

            foreach (var method in methodOrder.Where(Colours.ContainsKey))
            {
                var points = rows.Where(r => r.Method == method && (double.IsNaN(r.Keep) || r.Keep.Equals(keep))).OrderBy(r => r.NoiseRate).ToList();
                var colour = Colours[method];
                for (var i = 0; i < points.Count; i++)
                {
                    var r = points[i];
                    int x = X(r.NoiseRate), y = Y(r.Accuracy.Mean);
                    if (!double.IsNaN(r.Accuracy.Std) && r.Accuracy.Std > 0)
                    {
                        canvas.Line(x, Y(r.Accuracy.Mean - r.Accuracy.Std), x, Y(r.Accuracy.Mean + r.Accuracy.Std), colour);
                        canvas.Line(x - 4, Y(r.Accuracy.Mean - r.Accuracy.Std), x + 4, Y(r.Accuracy.Mean - r.Accuracy.Std), colour);
                        canvas.Line(x - 4, Y(r.Accuracy.Mean + r.Accuracy.Std), x + 4, Y(r.Accuracy.Mean + r.Accuracy.Std), colour);
                    }

                    canvas.FillRect(x - 4, y - 4, 9, 9, colour);
                    if (i > 0)
                    {
                        canvas.Line(X(points[i - 1].NoiseRate), Y(points[i - 1].Accuracy.Mean), x, y, colour, 2, dash: method == "oracle" ? 6 : 0);
                    }
                }
            }
        }

        var lx = 20;
        foreach (var method in methodOrder.Where(Colours.ContainsKey))
        {
            canvas.FillRect(lx, panelH + 12, 14, 14, Colours[method]);
            canvas.Text(lx + 20, panelH + 12, method, Ink);
            lx += 40 + PngCanvas.TextWidth(method);
        }

        canvas.Save(path);
    }
}
