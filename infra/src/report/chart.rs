//! The three rates (三率: 及时响应率, 解决率, 满意率) day by day, drawn by
//! plotters as SVG. A day where a rate had nothing due has no point; the line
//! joins the days that have one.

use chrono::NaiveDate;
use domain::stats::Summary;
use domain::DomainError;
use plotters::prelude::*;

type Pick = fn(&Summary) -> Option<f64>;

const SERIES: [(&str, RGBColor, Pick); 3] = [
    ("及时响应率", RGBColor(0xc0, 0x39, 0x2b), |s| s.response_rate),
    ("解决率", RGBColor(0x27, 0xae, 0x60), |s| s.resolution_rate),
    ("满意率", RGBColor(0x29, 0x80, 0xb9), |s| s.satisfaction_rate),
];

fn fault<E: std::fmt::Debug>(e: E) -> DomainError {
    DomainError::fault(format!("chart: {e:?}"))
}

/// The points of one rate: (day index, rate) where it had something due.
pub fn points(days: &[(NaiveDate, Summary)], pick: Pick) -> Vec<(i32, f64)> {
    days.iter().enumerate().filter_map(|(i, (_, s))| pick(s).map(|r| (i as i32, r))).collect()
}

/// The chart as an SVG document of `size` pixels.
pub fn chart_svg(days: &[(NaiveDate, Summary)], size: (u32, u32)) -> Result<String, DomainError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(fault)?;
        let last = (days.len() as i32 - 1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0..last, 0f64..1.05f64)
            .map_err(fault)?;
        let day_label = |i: &i32| {
            usize::try_from(*i)
                .ok()
                .and_then(|i| days.get(i))
                .map(|(d, _)| d.format("%m-%d").to_string())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_labels(days.len().clamp(2, 11))
            .x_label_formatter(&day_label)
            .y_labels(6)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .label_style(("sans-serif", 16))
            .light_line_style(WHITE)
            .draw()
            .map_err(fault)?;
        for (name, color, pick) in SERIES {
            let line = points(days, pick);
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))
                .map_err(fault)?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(fault)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 18))
            .draw()
            .map_err(fault)?;
        root.present().map_err(fault)?;
    }
    Ok(out)
}
