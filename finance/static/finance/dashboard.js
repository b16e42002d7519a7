/*
 * Draws the money screens' charts with the vendored Chart.js (static/vendor/chart.js).
 *
 * Each chart is a <canvas data-chart="ID"> whose spec sits in <script type="application/json"
 * id="ID"> (Django's json_script): {type, indexAxis, integer, labels, datasets: [{label, data}]},
 * amounts as decimal strings in major units (`integer`: the values are counts). No inline
 * script, so a strict Content-Security-Policy can allow this file alone. Numbers and direction
 * follow the page: Persian digits and right-to-left under fa (Intl via Chart.js's `locale`).
 */
(function () {
    "use strict";

    var COLOURS = ["#1b6ca8", "#e07a1f", "#2e8b57", "#b03a48", "#6a4c93", "#c9a227",
                   "#3d9970", "#ff851b", "#0074d9", "#85144b", "#39cccc", "#7f8c8d"];

    function screenOf(canvas) {
        return canvas.closest(".finance-screen") || document.documentElement;
    }

    function draw(canvas) {
        var source = document.getElementById(canvas.getAttribute("data-chart"));
        if (!source || typeof window.Chart === "undefined") {
            return;
        }
        var spec = JSON.parse(source.textContent);
        var screen = screenOf(canvas);
        var rtl = screen.getAttribute("dir") === "rtl";
        var locale = screen.getAttribute("lang") || document.documentElement.lang || "en";
        var round = spec.type === "doughnut" || spec.type === "pie";
        var datasets = spec.datasets.map(function (dataset, index) {
            var colour = COLOURS[index % COLOURS.length];
            return {
                label: dataset.label,
                data: dataset.data.map(Number),
                backgroundColor: round ? spec.labels.map(function (_, i) {
                    return COLOURS[i % COLOURS.length];
                }) : colour,
                borderColor: colour,
                fill: false,
                tension: 0.2
            };
        });
        var horizontal = spec.indexAxis === "y";
        var reduceMotion = window.matchMedia &&
            window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        var options = {
            locale: locale,
            animation: reduceMotion ? false : {duration: 600},
            responsive: true,
            maintainAspectRatio: false,
            indexAxis: spec.indexAxis || "x",
            plugins: {
                legend: {rtl: rtl, display: round || datasets.length > 1},
                tooltip: {rtl: rtl}
            }
        };
        if (!round) {
            options.scales = {
                x: {reverse: rtl && !horizontal, beginAtZero: horizontal},
                y: {beginAtZero: !horizontal, position: rtl && !horizontal ? "right" : "left"}
            };
            if (spec.integer) {
                // counts (orders): whole-number ticks only
                options.scales[horizontal ? "x" : "y"].ticks = {precision: 0};
            }
        }
        if (/^fa\b/.test(locale)) {
            window.Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
        }
        return new window.Chart(canvas, {type: spec.type, data: {labels: spec.labels, datasets: datasets}, options: options});
    }

    function drawAll() {
        Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
    }

    function start() {
        // Wait for the Persian font so the charts' labels are drawn with it.
        if (document.fonts && document.fonts.ready) {
            document.fonts.ready.then(drawAll, drawAll);
        } else {
            drawAll();
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
