//! The queue as listed: the campaign's (or the sources') items, flagged
//! only or all, narrowed by the `/` filter. A review can hold fifty thousand
//! items, so what the filter keeps is worked out once per edit or new load
//! (`refilter`, from `update`), not on every frame.

use super::AccessPane;
use crate::model::access::ReviewItem;
use std::borrow::Cow;

/// The filter's result for one queue: which positions it keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// The queue and filter text it was worked out for.
    of: (usize, usize, String),
    keep: Vec<usize>,
}

/// The rows the queue lists, in order.
pub struct Listed<'a> {
    items: &'a [ReviewItem],
    keep: Option<Cow<'a, [usize]>>,
}

impl<'a> Listed<'a> {
    pub fn len(&self) -> usize {
        self.keep.as_ref().map_or(self.items.len(), |k| k.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, n: usize) -> Option<&'a ReviewItem> {
        match &self.keep {
            None => self.items.get(n),
            Some(k) => k.get(n).and_then(|&i| self.items.get(i)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a ReviewItem> + '_ {
        (0..self.len()).filter_map(|n| self.get(n))
    }
}

/// What the filter matches an item by: what the row shows of it.
fn fields(item: &ReviewItem) -> impl Iterator<Item = &str> {
    let r = &item.row;
    [r.subject.as_str(), r.role.as_str(), r.source.as_str()]
        .into_iter()
        .chain(r.status.as_deref())
        .chain(r.organization.as_deref())
        .chain(r.granted_by.as_deref())
        .chain(item.flags.iter().map(|f| f.kind.short()))
}

impl AccessPane {
    /// Which queue and filter `hits` belongs to.
    fn hits_key(&self) -> (usize, usize, String) {
        let queue = self.queue();
        (
            queue.as_ptr() as usize,
            queue.len(),
            self.filter.text.clone().unwrap_or_default(),
        )
    }

    fn keep(&self) -> Vec<usize> {
        let queue = self.queue();
        (0..queue.len())
            .filter(|&i| self.filter.keeps(fields(&queue[i])))
            .collect()
    }

    /// The rows listed now.
    pub fn listed(&self) -> Listed<'_> {
        let items = self.queue();
        let keep = self.filter.pattern().map(|_| match &self.hits {
            Some(h) if h.of == self.hits_key() => Cow::Borrowed(h.keep.as_slice()),
            // Asked between a change and `refilter`: worked out here.
            _ => Cow::Owned(self.keep()),
        });
        Listed { items, keep }
    }

    /// Work out the filter's result again if the queue or the filter changed.
    pub fn refilter(&mut self) {
        if self.filter.pattern().is_none() {
            self.hits = None;
            return;
        }
        let of = self.hits_key();
        if self.hits.as_ref().is_some_and(|h| h.of == of) {
            return;
        }
        self.hits = Some(Hits { keep: self.keep(), of });
    }
}
