//! Webhook management: create, read, list in pages, replace, patch, delete.

use protocol::client::{
    ClientError, CreateWebhook, DeleteWebhook, GetWebhook, ListWebhooks, ReplaceWebhook,
    UpdateWebhook,
};

use crate::helpers::spawn_points;

fn hook(n: u32) -> CreateWebhook {
    CreateWebhook {
        name: format!("Hook {n}"),
        url: format!("https://shop.example/webhooks/{n}"),
    }
}

#[tokio::test]
async fn webhooks_can_be_created_read_listed_changed_and_deleted() {
    // Arrange
    let points = spawn_points().await;
    let client = points.client();

    // Create, and a duplicate URL is refused.
    let first = client.send(&hook(1)).await.expect("create");
    client.send(&hook(2)).await.expect("create");
    client.send(&hook(3)).await.expect("create");
    assert_eq!(first.secret.expose().len(), 60);
    let duplicate = client.send(&hook(1)).await.expect_err("same URL");
    assert!(
        matches!(duplicate, ClientError::BadRequest(_)),
        "{duplicate:?}"
    );

    // Read and list in pages.
    let read = client
        .send(&GetWebhook(first.uuid.clone()))
        .await
        .expect("read");
    assert_eq!(read.url, "https://shop.example/webhooks/1");
    assert_eq!(read.secret.expose(), first.secret.expose());
    let page = client
        .send(&ListWebhooks {
            per_page: Some(2),
            page: Some(2),
        })
        .await
        .expect("page 2");
    assert_eq!(page.items.len(), 1);
    assert_eq!((page.meta.total, page.meta.last_page), (3, 2));
    assert!(!page.has_next());

    // PUT and PATCH change what they are given.
    let renamed = client
        .send(&ReplaceWebhook {
            uuid: first.uuid.clone(),
            name: Some("Orders".into()),
            url: None,
        })
        .await
        .expect("put");
    assert_eq!(
        (renamed.name.as_str(), renamed.url.as_str()),
        ("Orders", "https://shop.example/webhooks/1")
    );
    let moved = client
        .send(&UpdateWebhook {
            uuid: first.uuid.clone(),
            name: None,
            url: Some("https://shop.example/webhooks/points".into()),
        })
        .await
        .expect("patch");
    assert_eq!(
        (moved.name.as_str(), moved.url.as_str()),
        ("Orders", "https://shop.example/webhooks/points")
    );

    // Delete, then it is gone.
    client
        .send(&DeleteWebhook(first.uuid.clone()))
        .await
        .expect("delete");
    let gone = client
        .send(&GetWebhook(first.uuid))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, ClientError::NotFound(_)), "{gone:?}");
    let all = client.send(&ListWebhooks::default()).await.expect("list");
    assert_eq!(all.meta.total, 2);
}
