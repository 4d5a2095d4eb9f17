//! An in-memory IPVS table that takes [`Op`]s as the kernel does, for the
//! stand-in kernels of lvsd's tests (the unit tests' fake and the systemd
//! readiness test): a request on a missing service fails with ESRCH, a
//! destination request creates or updates, deletes remove.

use crate::reconcile::{KernelService, Op};

/// Applies `op` to `table`.
pub fn apply(table: &mut Vec<KernelService>, op: &Op) -> Result<(), ipvs_sys::Error> {
    let pos = table.iter().position(|k| k.service.key == op.service().key);
    match (op, pos) {
        (Op::NewService(s), None) => table.push(KernelService::new(s.clone(), vec![])),
        (Op::SetService(s), Some(i)) => table[i].service = s.clone(),
        (Op::DelService(_), Some(i)) => {
            table.remove(i);
        }
        (Op::NewDest(_, d) | Op::SetDest(_, d), Some(i)) => {
            let e = table[i]
                .dests
                .entry((d.addr, d.port))
                .or_insert_with(|| d.clone());
            e.weight = d.weight;
        }
        (Op::DelDest(_, d), Some(i)) => {
            table[i].dests.remove(&(d.addr, d.port));
        }
        _ => {
            return Err(ipvs_sys::Error::from_errno(
                libc::ESRCH,
                ipvs_sys::Object::Table,
            ));
        }
    }
    Ok(())
}
