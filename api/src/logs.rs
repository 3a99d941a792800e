//! Log lines on stderr: text for a terminal, or JSON (`MSB_LOG_FORMAT=json`)
//! for a log shipper. The JSON form also writes one line as each request
//! finishes (its span closing: method, route, status, request id and time
//! spent), the access log an operator searches by the `X-Request-Id` a user
//! reports.

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `MSB_LOG_FORMAT`: unset or `text`, or `json`; anything else is refused.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("MSB_LOG_FORMAT must be text or json, not {other:?}")),
        }
    }
}

/// Installs the subscriber for this process (`RUST_LOG` filters it).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => {
            builder.json().with_current_span(true).with_span_list(false).with_span_events(FmtSpan::CLOSE).try_init()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_formats() {
        let cases = [
            (None, Ok(LogFormat::Text)),
            (Some(""), Ok(LogFormat::Text)),
            (Some("text"), Ok(LogFormat::Text)),
            (Some(" json "), Ok(LogFormat::Json)),
            (Some("JSON"), Err(())),
            (Some("logfmt"), Err(())),
        ];
        for (value, want) in cases {
            assert_eq!(LogFormat::parse(value).map_err(|_| ()), want, "{value:?}");
        }
    }
}
