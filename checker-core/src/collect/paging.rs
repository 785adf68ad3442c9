//! Paging through a list: `limit` and `continue` until the server says the list is complete,
//! starting over once if a continue token expires (410 Gone).

use std::future::Future;

use serde_json::Value;

use crate::snapshot::{ReadError, ReadErrorKind};

/// The most pages one list may take; a server that keeps sending continue tokens beyond this is
/// broken.
const MAX_PAGES: usize = 100_000;

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub items: Vec<Value>,
    /// `metadata.continue`; `None` or empty on the last page.
    pub continue_token: Option<String>,
}

/// Why a page could not be had.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PageError {
    /// 410 Gone: the continue token expired; the list has to start over.
    Expired,
    /// Any other failure, final.
    Failed(ReadError),
}

/// Fetches every page, `fetch(None)` first then `fetch(Some(token))` with each page's continue
/// token, and returns all items. A 410 on a continued page restarts the list once; a second one,
/// or a 410 on a first page, is an error.
pub(crate) async fn list_all<F, Fut>(mut fetch: F) -> Result<Vec<Value>, ReadError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page, PageError>>,
{
    let mut restarted = false;
    'list: loop {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            match fetch(token.clone()).await {
                Ok(page) => {
                    items.extend(page.items);
                    match page.continue_token.filter(|t| !t.is_empty()) {
                        None => return Ok(items),
                        Some(next) if Some(&next) == token.as_ref() => {
                            return Err(invalid("the server sent the same continue token twice"));
                        }
                        Some(next) => token = Some(next),
                    }
                }
                Err(PageError::Expired) if token.is_some() && !restarted => {
                    restarted = true;
                    continue 'list;
                }
                Err(PageError::Expired) => {
                    return Err(ReadError {
                        kind: ReadErrorKind::ServerError,
                        http_status: Some(410),
                        message: if token.is_some() {
                            "the list kept changing: its continue token expired twice (410 Gone)"
                                .to_string()
                        } else {
                            "the server answered 410 Gone to the first page of the list".to_string()
                        },
                        missing_permission: None,
                    });
                }
                Err(PageError::Failed(error)) => return Err(error),
            }
        }
        return Err(invalid("the list did not end after 100000 pages"));
    }
}

fn invalid(message: &str) -> ReadError {
    ReadError::new(ReadErrorKind::Invalid, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::RefCell;

    /// A fake server: the answers to give, in order, and the tokens it was asked with.
    struct Script {
        answers: RefCell<Vec<Result<Page, PageError>>>,
        asked: RefCell<Vec<Option<String>>>,
    }

    impl Script {
        fn new(mut answers: Vec<Result<Page, PageError>>) -> Script {
            answers.reverse();
            Script {
                answers: RefCell::new(answers),
                asked: RefCell::new(Vec::new()),
            }
        }

        async fn fetch(&self, token: Option<String>) -> Result<Page, PageError> {
            self.asked.borrow_mut().push(token);
            self.answers
                .borrow_mut()
                .pop()
                .unwrap_or(Err(PageError::Failed(invalid("asked too often"))))
        }

        /// The continue tokens asked with, `-` for none.
        fn asked(&self) -> Vec<String> {
            self.asked
                .borrow()
                .iter()
                .map(|t| t.clone().unwrap_or_else(|| "-".to_string()))
                .collect()
        }
    }

    fn page(items: &[i32], next: Option<&str>) -> Result<Page, PageError> {
        Ok(Page {
            items: items.iter().map(|i| json!(i)).collect(),
            continue_token: next.map(str::to_string),
        })
    }

    fn run(script: &Script) -> Result<Vec<Value>, ReadError> {
        futures::executor::block_on(list_all(|token| script.fetch(token)))
    }

    #[test]
    fn pages_until_no_continue_token() {
        let script = Script::new(vec![page(&[1, 2], Some("a")), page(&[3], None)]);
        assert_eq!(run(&script), Ok(vec![json!(1), json!(2), json!(3)]));
        assert_eq!(script.asked(), ["-", "a"]);
    }

    #[test]
    fn an_empty_continue_token_ends_the_list() {
        let script = Script::new(vec![page(&[1], Some("a")), page(&[2], Some(""))]);
        assert_eq!(run(&script), Ok(vec![json!(1), json!(2)]));
        assert_eq!(script.asked().len(), 2);
    }

    #[test]
    fn an_expired_token_restarts_the_list_once() {
        let script = Script::new(vec![
            page(&[1], Some("a")),
            Err(PageError::Expired),
            page(&[1], Some("b")),
            page(&[2], None),
        ]);
        assert_eq!(run(&script), Ok(vec![json!(1), json!(2)]));
        assert_eq!(script.asked(), ["-", "a", "-", "b"]);

        let script = Script::new(vec![
            page(&[1], Some("a")),
            Err(PageError::Expired),
            page(&[1], Some("b")),
            Err(PageError::Expired),
        ]);
        let error = run(&script).expect_err("a second 410 is an error");
        assert_eq!(error.http_status, Some(410));
        assert!(error.message.contains("expired twice"), "{}", error.message);
    }

    #[test]
    fn a_410_on_the_first_page_is_an_error() {
        let script = Script::new(vec![Err(PageError::Expired)]);
        assert_eq!(run(&script).map_err(|e| e.http_status), Err(Some(410)));
        assert_eq!(script.asked().len(), 1);
    }

    #[test]
    fn a_failed_page_fails_the_list() {
        let forbidden = ReadError {
            kind: ReadErrorKind::Forbidden,
            http_status: Some(403),
            message: "no".to_string(),
            missing_permission: None,
        };
        let script = Script::new(vec![
            page(&[1], Some("a")),
            Err(PageError::Failed(forbidden.clone())),
        ]);
        assert_eq!(run(&script), Err(forbidden));
    }

    #[test]
    fn a_repeated_token_is_an_error_not_a_loop() {
        let script = Script::new(vec![page(&[1], Some("a")), page(&[2], Some("a"))]);
        assert_eq!(
            run(&script).map_err(|e| e.kind),
            Err(ReadErrorKind::Invalid)
        );
    }
}
