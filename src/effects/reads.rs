//! Reads from the state store, each as the message that carries it.

use crate::app::Msg;
use crate::store::Store;

/// The campaigns' progress, as a message.
pub(crate) async fn campaigns(store: &Store) -> Msg {
    Msg::ReviewCampaigns(store.campaigns().await.map_err(|e| e.to_string()))
}

/// A campaign's decisions, as a message.
pub(crate) async fn decisions(store: &Store, campaign_id: i64) -> Msg {
    let decisions = store.campaign_decisions(campaign_id).await.map_err(|e| e.to_string());
    Msg::DecisionsRefreshed { campaign_id, decisions }
}

/// The acknowledgements, as a message.
pub(crate) async fn acks(store: &Store) -> Msg {
    Msg::AcksLoaded(store.acks_since(ack_history_start()).await.map_err(|e| e.to_string()))
}

/// A campaign's snapshot and decisions, as one message.
pub(crate) async fn load_campaign(store: &Store, id: i64) -> Result<crate::app::OpenCampaign, String> {
    let err = |e: crate::store::StoreError| e.to_string();
    let campaign = store
        .campaign(id)
        .await
        .map_err(err)?
        .ok_or_else(|| format!("no campaign {id}"))?;
    let items = store.campaign_items(id).await.map_err(err)?;
    let decisions = store.campaign_decisions(id).await.map_err(err)?;
    Ok(crate::app::OpenCampaign::new(campaign, items, decisions))
}

/// Who else is on the store, as a message.
pub(crate) async fn presence(store: &Store) -> Msg {
    Msg::PresenceLoaded(
        store
            .others_present(chrono::Utc::now())
            .await
            .map_err(|e| e.to_string()),
    )
}

/// How far back acknowledgements are loaded: as far as anyone looks at an
/// alert's history, and every ack that may still hold.
pub(crate) fn ack_history_start() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(7)
}

/// The flight recorder's trend samples of the last day, as a message.
pub(crate) async fn trends(store: &Store) -> Msg {
    let now = chrono::Utc::now();
    let span = chrono::Duration::minutes(crate::model::trend::SPAN_MINUTES);
    Msg::TrendsLoaded(store.history_samples(now - span, now).await.map_err(|e| e.to_string()))
}

/// The flight recorder's state of the moment `ask` names, as a message:
/// the change it lands on, and the reports that rebuild every backend there.
pub(crate) async fn history(store: &Store, ask: crate::app::HistoryAsk) -> Msg {
    use crate::app::HistoryAsk;
    let result = async {
        let at = match ask {
            HistoryAsk::Before(t) => store.history_change_near(t, false).await?,
            HistoryAsk::After(t) => store.history_change_near(t, true).await?,
            HistoryAsk::At(t) => Some(t),
        };
        let Some(at) = at else {
            return Ok(None);
        };
        let recorded = store.history_at(at).await?;
        if recorded.is_empty() {
            return Ok(None);
        }
        let (reports, unreadable) = crate::store::history::reports(recorded);
        for why in unreadable {
            tracing::warn!("history: {why}");
        }
        Ok(Some(crate::app::RecordedMoment { at, reports }))
    }
    .await;
    Msg::HistoryLoaded {
        ask,
        result: result.map_err(|e: crate::store::StoreError| e.to_string()),
    }
}
