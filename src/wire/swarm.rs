//! Which swarm stores an account: XOR-fold the key into a u64 and pick the nearest swarm ID
//! (with wrap-around; ties go to the lower swarm).

use crate::identity::AccountId;

/// The swarm-space position of a 33-byte account ID (prefix ignored).
pub fn swarm_space(account: &AccountId) -> u64 {
    account.key().chunks_exact(8).fold(0u64, |x, c| x ^ u64::from_be_bytes(c.try_into().expect("8")))
}

/// The swarm for `account` among `swarm_ids`, which must be sorted ascending and non-empty.
pub fn swarm_for(account: &AccountId, swarm_ids: &[u64]) -> Option<u64> {
    swarm_for_space(swarm_space(account), swarm_ids)
}

pub fn swarm_for_space(x: u64, swarm_ids: &[u64]) -> Option<u64> {
    match swarm_ids.len() {
        0 => return None,
        1 => return Some(swarm_ids[0]),
        _ => {}
    }
    let i = swarm_ids.partition_point(|&id| id < x);
    let right_i = if i == swarm_ids.len() { 0 } else { i };
    let left_i = if right_i == 0 { swarm_ids.len() - 1 } else { right_i - 1 };
    let (right, left) = (swarm_ids[right_i], swarm_ids[left_i]);
    let dr = right.wrapping_sub(x);
    let dl = x.wrapping_sub(left);
    Some(if dr < dl { right } else { left })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_server_vectors() {
        let ids = [100, 200, 300, 399, 498, 596, 694];
        assert_eq!(swarm_for_space(0x64, &ids), Some(100));
        assert_eq!(swarm_for_space(0x96, &ids), Some(100));
        assert_eq!(swarm_for_space(0x97, &ids), Some(200));
        assert_eq!(swarm_for_space(0x8000000000000000, &ids), Some(694));
        assert_eq!(swarm_for_space(0xa000000000000000, &ids), Some(100));
        assert_eq!(swarm_for_space(5, &[]), None);
        assert_eq!(swarm_for_space(5, &[9]), Some(9));
    }
}
