//! Sending one briefing by e-mail: a multipart message (a short text in the
//! recipient's language and the PDF attached), over SMTP with STARTTLS or implicit
//! TLS (rustls; the system's trusted roots plus an optional configured root),
//! authenticated when the configuration names a user. Blocking: run it off the
//! async executor.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Smtp, TlsMode};

/// One message to send.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub subject: String,
    pub body: String,
    pub attachment_name: String,
    pub pdf: &'a [u8],
    /// A second PDF: the stocktake pack sent with the briefing of a meeting.
    pub also: Option<(String, &'a [u8])>,
    /// `<…@…>`: stable for one (edition, recipient), so a copy that did leave
    /// twice is recognisable as the same message.
    pub message_id: String,
}

/// Why a message did not leave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: the server was unreachable, timed out or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// Retrying will not help: 5xx (unknown mailbox, refused), a bad address or
    /// a TLS or configuration problem.
    #[error("{0}")]
    Permanent(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// The transport for `smtp`, built once per delivery cycle.
#[derive(Debug, Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

fn tls_parameters(smtp: &Smtp) -> Result<TlsParameters, SendError> {
    let mut builder =
        TlsParameters::builder(smtp.host.clone()).certificate_store(CertificateStore::Default);
    if let Some(path) = &smtp.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| SendError::Permanent(format!("smtp.ca_file {}: {e}", path.display())))?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| SendError::Permanent(format!("smtp.ca_file {}: {e}", path.display())))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|e| SendError::Permanent(format!("TLS set-up: {e}")))
}

impl Mailer {
    pub fn new(smtp: &Smtp) -> Result<Mailer, SendError> {
        let tls = match smtp.tls {
            TlsMode::None => Tls::None,
            TlsMode::Opportunistic => Tls::Opportunistic(tls_parameters(smtp)?),
            TlsMode::StartTls => Tls::Required(tls_parameters(smtp)?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters(smtp)?),
        };
        let mut builder = SmtpTransport::builder_dangerous(smtp.host.clone())
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(smtp.timeout_seconds)));
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| SendError::Permanent(format!("smtp.from {:?}: {e}", smtp.from)))?;
        Ok(Mailer { transport: builder.build(), from })
    }

    /// Sends one letter: `Ok` once the server accepted it for delivery.
    pub fn send(&self, letter: &Letter<'_>) -> Result<(), SendError> {
        let to = Mailbox::new(
            (!letter.to_name.is_empty()).then(|| letter.to_name.to_string()),
            letter
                .to_email
                .parse()
                .map_err(|e| SendError::Permanent(format!("address {:?}: {e}", letter.to_email)))?,
        );
        let pdf =
            ContentType::parse("application/pdf").expect("application/pdf is a valid media type");
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .message_id(Some(letter.message_id.clone()))
            .date_now()
            .multipart({
                let parts = MultiPart::mixed()
                    .singlepart(SinglePart::plain(letter.body.clone()))
                    .singlepart(
                        Attachment::new(letter.attachment_name.clone())
                            .body(letter.pdf.to_vec(), pdf.clone()),
                    );
                match &letter.also {
                    Some((name, bytes)) => {
                        parts.singlepart(Attachment::new(name.clone()).body(bytes.to_vec(), pdf))
                    }
                    None => parts,
                }
            })
            .map_err(|e| SendError::Permanent(format!("building the message: {e}")))?;
        match self.transport.send(&message) {
            Ok(_) => Ok(()),
            Err(err) if err.is_permanent() => Err(SendError::Permanent(describe(&err))),
            Err(err) => Err(SendError::Transient(describe(&err))),
        }
    }
}

/// The error with its causes (lettre puts the server's answer in the source).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
