//! The hosted pages' copy in both languages (API.md §4.2; Arabic as the official pages word it).

use crate::lang::Lang;

/// Every string a hosted page shows.
#[derive(Debug)]
pub struct Text {
    pub brand: &'static str,
    pub title: &'static str,
    pub store: &'static str,
    pub order_number: &'static str,
    pub order_total: &'static str,
    pub points_equivalent: &'static str,
    pub currency: &'static str,
    pub points: &'static str,
    pub full_redemption: &'static str,
    pub approve: &'static str,
    pub cancel: &'static str,
    pub expires_note: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub superseded_body: &'static str,
    pub completed_title: &'static str,
    pub completed_body: &'static str,
    pub back_to_store: &'static str,
    pub success_title: &'static str,
    pub success_body: &'static str,
    pub cancelled_title: &'static str,
    pub cancelled_body: &'static str,
    pub thanks: &'static str,
}

const AR: Text = Text {
    brand: "بوينتس",
    title: "إستبدل نقاطك",
    store: "المتجر",
    order_number: "رقم الطلب",
    order_total: "قيمة الطلب",
    points_equivalent: "ما يعادل بالنقاط",
    currency: "ر.س",
    points: "نقطة",
    full_redemption: "إستبدال كلي لقيمة الطلب",
    approve: "إستبدال",
    cancel: "إلغاء والعودة إلى المتجر",
    expires_note: "ينتهي هذا الرابط خلال 30 دقيقة من إنشائه.",
    expired_title: "انتهت صلاحية رابط الدفع",
    expired_body: "انتهت مدة جلسة الدفع وتم إلغاء الطلب. ارجع إلى المتجر وابدأ الدفع من جديد.",
    not_found_title: "رابط الدفع غير موجود",
    not_found_body: "تأكد من الرابط أو ارجع إلى المتجر وابدأ الدفع من جديد.",
    superseded_body: "تم إنشاء رابط دفع أحدث لهذا الطلب، استخدم الرابط الجديد.",
    completed_title: "تمت معالجة هذا الطلب",
    completed_body: "اكتملت عملية الدفع لهذا الطلب مسبقاً.",
    back_to_store: "العودة إلى المتجر",
    success_title: "تم الاستبدال بنجاح",
    success_body: "تم خصم النقاط من محفظتك.",
    cancelled_title: "تم إلغاء عملية الدفع",
    cancelled_body: "لم يتم خصم أي نقاط من محفظتك.",
    thanks: "شكرا لإستخدامك بوينتس",
};

const EN: Text = Text {
    brand: "Points",
    title: "Redeem your points",
    store: "Store",
    order_number: "Order number",
    order_total: "Order total",
    points_equivalent: "In points",
    currency: "SAR",
    points: "points",
    full_redemption: "Redeem the full order value",
    approve: "Redeem",
    cancel: "Cancel and return to the store",
    expires_note: "This link expires 30 minutes after it was created.",
    expired_title: "This checkout link has expired",
    expired_body: "The checkout session timed out and the order was cancelled. Return to the store \
                   and start checkout again.",
    not_found_title: "Checkout link not found",
    not_found_body: "Check the link, or return to the store and start checkout again.",
    superseded_body: "A newer checkout link was created for this order; please use that one.",
    completed_title: "This order has already been processed",
    completed_body: "Checkout for this order is already complete.",
    back_to_store: "Back to the store",
    success_title: "Redeemed successfully",
    success_body: "The points were deducted from your wallet.",
    cancelled_title: "Checkout cancelled",
    cancelled_body: "No points were deducted from your wallet.",
    thanks: "Thank you for using Points",
};

pub fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::Ar => &AR,
        Lang::En => &EN,
    }
}

/// `7467` → `7,467`, as the official pages write amounts.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1224.5` SAR → `1,224.50`.
pub fn format_sar(amount: protocol::Sar) -> String {
    let halalas = amount.halalas();
    format!("{}.{:02}", group_thousands(halalas / 100), halalas % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_two_decimals() {
        assert_eq!(format_sar(protocol::Sar::from_halalas(122_450)), "1,224.50");
        assert_eq!(format_sar(protocol::Sar::from_halalas(5)), "0.05");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(7_467), "7,467");
        assert_eq!(group_thousands(120_321), "120,321");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }
}
