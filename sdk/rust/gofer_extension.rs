//! A small Rust SDK for Gofer extensions built as WebAssembly components: hand-written
//! canonical-ABI bindings for the WIT world gofer:extension/extension@0.1.0
//! (proto/wit/gofer-extension.wit), for a single-crate `rustc` build with no registry.
//!
//! Mount it at the crate root as `mod gofer_extension;` (with `#[path]` if it lives elsewhere),
//! implement [`Extension`] and name the type with [`export_extension!`]. A handler refuses with
//! `Err(message)`; the message reaches the user as it is. Build with
//! scripts/build-native-extension.mjs.
#![allow(dead_code)]

use std::alloc::{alloc, dealloc, realloc, Layout};

pub type Kv = Vec<(String, String)>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRef {
    pub namespace: String,
    pub pipeline: String,
    pub label: String,
}

pub struct Param {
    pub key: String,
    pub required: bool,
    pub documentation: String,
}

pub struct ExtensionInfo {
    pub name: String,
    pub version: String,
    /// Markdown shown by `gofer extension get`.
    pub documentation: String,
    pub config_params: Vec<Param>,
    pub subscription_params: Vec<Param>,
}

pub struct Response {
    pub status: u16,
    pub body: String,
}

#[derive(Clone, Copy, Debug)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Clone, Copy, Debug)]
pub enum RunStatus {
    Successful,
    Failed,
    Cancelled,
}

/// What an extension implements; everything but `info` has a default.
pub trait Extension {
    fn info(&self) -> ExtensionInfo;
    fn init(&mut self, _config: &Kv) -> Result<(), String> {
        Ok(())
    }
    fn subscribe(&mut self, _sub: &SubscriptionRef, _settings: &Kv) -> Result<(), String> {
        Ok(())
    }
    fn unsubscribe(&mut self, _sub: &SubscriptionRef) -> Result<(), String> {
        Ok(())
    }
    fn external_event(&mut self, _headers: &Kv, _body: &[u8]) -> Result<Response, String> {
        Ok(Response { status: 404, body: "this extension takes no events".into() })
    }
    /// Returns the ms until the next tick is wanted; 0: not until something changes.
    fn tick(&mut self, _now_ms: u64) -> u64 {
        0
    }
    fn run_finished(&mut self, _sub: &SubscriptionRef, _run: u64, _status: RunStatus) {}
    fn shutdown(&mut self) {}
}

/// The value of `key` in a string map (keys arrive lower-cased).
pub fn get<'a>(kv: &'a Kv, key: &str) -> Option<&'a str> {
    kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// What the kernel offers the guest. Each call is synchronous for the guest.
pub mod host {
    use super::{Kv, LogLevel, SubscriptionRef};

    #[link(wasm_import_module = "gofer:extension/host@0.1.0")]
    extern "C" {
        #[link_name = "log"]
        fn host_log(level: i32, ptr: *const u8, len: usize);
        #[link_name = "start-run"]
        fn host_start_run(
            ns: *const u8, ns_len: usize, pipeline: *const u8, pipeline_len: usize,
            label: *const u8, label_len: usize, vars: *const usize, vars_len: usize,
            reason: *const u8, reason_len: usize, ret: *mut u8,
        );
        #[link_name = "time-zone-offset"]
        fn host_time_zone_offset(zone: *const u8, zone_len: usize, at_ms: i64, ret: *mut u8);
    }

    #[repr(C, align(8))]
    struct Ret([u8; 16]);

    pub fn log(level: LogLevel, message: &str) {
        unsafe { host_log(level as i32, message.as_ptr(), message.len()) }
    }

    /// Starts a run of a pipeline subscribed under `sub.label`; the run id, or why not.
    pub fn start_run(sub: &SubscriptionRef, variables: &Kv, reason: &str) -> Result<u64, String> {
        let flat: Vec<usize> = variables
            .iter()
            .flat_map(|(k, v)| [k.as_ptr() as usize, k.len(), v.as_ptr() as usize, v.len()])
            .collect();
        let mut ret = Ret([0; 16]);
        unsafe {
            host_start_run(
                sub.namespace.as_ptr(), sub.namespace.len(), sub.pipeline.as_ptr(),
                sub.pipeline.len(), sub.label.as_ptr(), sub.label.len(), flat.as_ptr(),
                variables.len(), reason.as_ptr(), reason.len(), ret.0.as_mut_ptr(),
            );
            // result<u64, string>: discriminant at 0, the payload at 8.
            match ret.0[0] {
                0 => Ok(u64::from_le_bytes(ret.0[8..16].try_into().unwrap())),
                _ => Err(super::abi::take_string(&ret.0, 8)),
            }
        }
    }

    /// UTC offset in minutes of IANA zone `zone` at epoch ms `at_ms`.
    pub fn time_zone_offset(zone: &str, at_ms: i64) -> Result<i32, String> {
        let mut ret = Ret([0; 16]);
        unsafe {
            host_time_zone_offset(zone.as_ptr(), zone.len(), at_ms, ret.0.as_mut_ptr());
            // result<s32, string>: discriminant at 0, the payload at 4.
            match ret.0[0] {
                0 => Ok(i32::from_le_bytes(ret.0[4..8].try_into().unwrap())),
                _ => Err(super::abi::take_string(&ret.0, 4)),
            }
        }
    }
}

/// The canonical-ABI plumbing the exports generated by [`export_extension!`] call. On wasm32 a
/// string or list is (pointer, length); a result wider than one flat value goes through a
/// return area, which stays valid (with everything it points at) until the next export call.
#[doc(hidden)]
pub mod abi {
    use super::*;

    #[repr(C, align(8))]
    pub struct RetArea(pub [u8; 40]);
    pub static mut RET: RetArea = RetArea([0; 40]);
    /// What the last return area points at, kept alive until the next call.
    static mut KEPT: Vec<Vec<u8>> = Vec::new();

    #[no_mangle]
    pub unsafe extern "C" fn cabi_realloc(
        old: *mut u8, old_size: usize, align: usize, new_size: usize,
    ) -> *mut u8 {
        if new_size == 0 {
            return align as *mut u8;
        }
        let p = if old_size == 0 {
            alloc(Layout::from_size_align_unchecked(new_size, align))
        } else {
            realloc(old, Layout::from_size_align_unchecked(old_size, align), new_size)
        };
        if p.is_null() {
            std::process::abort();
        }
        p
    }

    /// Takes ownership of a string the host allocated (align 1) through cabi_realloc.
    pub unsafe fn lift_string(ptr: *mut u8, len: usize) -> String {
        if len == 0 {
            return String::new();
        }
        String::from_utf8_unchecked(Vec::from_raw_parts(ptr, len, len))
    }

    pub unsafe fn take_string(area: &[u8], offset: usize) -> String {
        let word = |at: usize| u32::from_le_bytes(area[at..at + 4].try_into().unwrap()) as usize;
        lift_string(word(offset) as *mut u8, word(offset + 4))
    }

    pub unsafe fn lift_bytes(ptr: *mut u8, len: usize) -> Vec<u8> {
        if len == 0 {
            return Vec::new();
        }
        Vec::from_raw_parts(ptr, len, len)
    }

    /// list<tuple<string, string>>: 16-byte elements, 4-aligned.
    pub unsafe fn lift_kv(ptr: *mut usize, len: usize) -> Kv {
        let mut kv = Vec::with_capacity(len);
        for i in 0..len {
            let e = ptr.add(i * 4);
            let key = lift_string(*e as *mut u8, *e.add(1));
            kv.push((key, lift_string(*e.add(2) as *mut u8, *e.add(3))));
        }
        if len > 0 {
            dealloc(ptr as *mut u8, Layout::from_size_align_unchecked(len * 16, 4));
        }
        kv
    }

    pub unsafe fn lift_ref(
        ns: *mut u8, ns_len: usize, p: *mut u8, p_len: usize, l: *mut u8, l_len: usize,
    ) -> SubscriptionRef {
        SubscriptionRef {
            namespace: lift_string(ns, ns_len),
            pipeline: lift_string(p, p_len),
            label: lift_string(l, l_len),
        }
    }

    pub unsafe fn begin() {
        KEPT.clear();
    }

    unsafe fn put_u32(at: usize, value: usize) {
        RET.0[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
    }

    /// Keeps `bytes` alive past the return and writes (pointer, length) at `at`.
    unsafe fn put_bytes(at: usize, bytes: Vec<u8>) {
        put_u32(at, bytes.as_ptr() as usize);
        put_u32(at + 4, bytes.len());
        KEPT.push(bytes);
    }

    /// result<_, string>: discriminant at 0, the error at 4.
    pub unsafe fn lower_unit(result: Result<(), String>) -> *const u8 {
        match result {
            Ok(()) => RET.0[0] = 0,
            Err(message) => {
                RET.0[0] = 1;
                put_bytes(4, message.into_bytes());
            }
        }
        RET.0.as_ptr()
    }

    /// param: key at 0, required at 8, documentation at 12; 20 bytes, 4-aligned.
    unsafe fn lower_params(at: usize, params: Vec<Param>) {
        let mut area = vec![0u8; params.len() * 20];
        for (i, p) in params.into_iter().enumerate() {
            let (key, doc) = (p.key.into_bytes(), p.documentation.into_bytes());
            let e = &mut area[i * 20..i * 20 + 20];
            e[0..4].copy_from_slice(&(key.as_ptr() as u32).to_le_bytes());
            e[4..8].copy_from_slice(&(key.len() as u32).to_le_bytes());
            e[8] = p.required as u8;
            e[12..16].copy_from_slice(&(doc.as_ptr() as u32).to_le_bytes());
            e[16..20].copy_from_slice(&(doc.len() as u32).to_le_bytes());
            KEPT.push(key);
            KEPT.push(doc);
        }
        let len = area.len() / 20;
        put_bytes(at, area);
        put_u32(at + 4, len);
    }

    /// extension-info: three strings at 0, 8, 16, then two lists of param at 24 and 32.
    pub unsafe fn lower_info(info: ExtensionInfo) -> *const u8 {
        put_bytes(0, info.name.into_bytes());
        put_bytes(8, info.version.into_bytes());
        put_bytes(16, info.documentation.into_bytes());
        lower_params(24, info.config_params);
        lower_params(32, info.subscription_params);
        RET.0.as_ptr()
    }

    /// result<response, string>: discriminant at 0; status at 4 and body at 8, or the error at 4.
    pub unsafe fn lower_response(result: Result<Response, String>) -> *const u8 {
        match result {
            Err(message) => return lower_unit(Err(message)),
            Ok(response) => {
                RET.0[0] = 0;
                RET.0[4..6].copy_from_slice(&response.status.to_le_bytes());
                put_bytes(8, response.body.into_bytes());
            }
        }
        RET.0.as_ptr()
    }

    pub fn run_status(code: i32) -> RunStatus {
        match code {
            0 => RunStatus::Successful,
            1 => RunStatus::Failed,
            _ => RunStatus::Cancelled,
        }
    }
}

/// Exports `$make`'s value (created on first use) as the component's guest interface.
#[macro_export]
macro_rules! export_extension {
    ($ty:ty, $make:expr) => {
        static mut GOFER_EXTENSION: Option<$ty> = None;

        unsafe fn gofer_extension_instance() -> &'static mut $ty {
            $crate::gofer_extension::abi::begin();
            GOFER_EXTENSION.get_or_insert_with(|| $make)
        }

        #[export_name = "gofer:extension/guest@0.1.0#init"]
        pub unsafe extern "C" fn gofer_export_init(ptr: *mut usize, len: usize) -> *const u8 {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            abi::lower_unit(ext.init(&abi::lift_kv(ptr, len)))
        }

        #[export_name = "gofer:extension/guest@0.1.0#info"]
        pub unsafe extern "C" fn gofer_export_info() -> *const u8 {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            abi::lower_info(ext.info())
        }

        #[export_name = "gofer:extension/guest@0.1.0#subscribe"]
        pub unsafe extern "C" fn gofer_export_subscribe(
            ns: *mut u8, ns_len: usize, p: *mut u8, p_len: usize, l: *mut u8, l_len: usize,
            settings: *mut usize, settings_len: usize,
        ) -> *const u8 {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            let sub = abi::lift_ref(ns, ns_len, p, p_len, l, l_len);
            abi::lower_unit(ext.subscribe(&sub, &abi::lift_kv(settings, settings_len)))
        }

        #[export_name = "gofer:extension/guest@0.1.0#unsubscribe"]
        pub unsafe extern "C" fn gofer_export_unsubscribe(
            ns: *mut u8, ns_len: usize, p: *mut u8, p_len: usize, l: *mut u8, l_len: usize,
        ) -> *const u8 {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            abi::lower_unit(ext.unsubscribe(&abi::lift_ref(ns, ns_len, p, p_len, l, l_len)))
        }

        #[export_name = "gofer:extension/guest@0.1.0#external-event"]
        pub unsafe extern "C" fn gofer_export_external_event(
            headers: *mut usize, headers_len: usize, body: *mut u8, body_len: usize,
        ) -> *const u8 {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            let headers = abi::lift_kv(headers, headers_len);
            abi::lower_response(ext.external_event(&headers, &abi::lift_bytes(body, body_len)))
        }

        #[export_name = "gofer:extension/guest@0.1.0#tick"]
        pub unsafe extern "C" fn gofer_export_tick(now_ms: u64) -> u64 {
            use $crate::gofer_extension::Extension;
            gofer_extension_instance().tick(now_ms)
        }

        #[export_name = "gofer:extension/guest@0.1.0#run-finished"]
        pub unsafe extern "C" fn gofer_export_run_finished(
            ns: *mut u8, ns_len: usize, p: *mut u8, p_len: usize, l: *mut u8, l_len: usize,
            run: u64, status: i32,
        ) {
            use $crate::gofer_extension::{abi, Extension};
            let ext = gofer_extension_instance();
            let sub = abi::lift_ref(ns, ns_len, p, p_len, l, l_len);
            ext.run_finished(&sub, run, abi::run_status(status));
        }

        #[export_name = "gofer:extension/guest@0.1.0#shutdown"]
        pub unsafe extern "C" fn gofer_export_shutdown() {
            use $crate::gofer_extension::Extension;
            gofer_extension_instance().shutdown();
        }
    };
}
