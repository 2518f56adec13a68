;; The CPU scoring head's passes over one row of logits, in WebAssembly with 128-bit SIMD. Assembled at
;; build time by wabt (tools/wat.ts); head-wasm.ts loads it, and log-softmax.ts does the logarithms and
;; has the same passes in TypeScript where this module is unavailable.
;;
;;   rowPass: four logits at a time, the largest logit, the rank and the top k (a quad goes through the
;;            scalar insertion only when one of its logits beats the k-th kept so far)
;;   expSums: the sum of exponentials and the entropy's weighted sum, in float64, two lanes at a time
;;
;; Memory: bytes 0-23 hold the results of the last call; the caller copies the row of logits to a
;; 16-byte aligned address (head-wasm.ts: ROW_AT = 32) and puts the top k's logits and ids after it.
;;   0  f64  expSums: Σ exp(x - max)
;;   8  f64  expSums: Σ exp(x - max) (max - x)
;;   16 f32  rowPass: the largest logit (NaN if any logit is NaN)
;;   20 i32  rowPass: how many logits are greater than the target's
(module
  (memory (export "memory") 1)

  ;; rowPass(p, quads, target, k, vals, ids): over the 4·quads f32 logits at p, the largest (NaN if any is
  ;; NaN) at 16, how many are greater than `target` at 20, and the top k: their ids at `ids` and their
  ;; logits at `vals`, sorted by (logit desc, id asc). The row's padding (-Infinity) never enters the top
  ;; k, as k <= V real logits come first.
  (func (export "rowPass")
    (param $p i32) (param $quads i32) (param $target f32) (param $k i32) (param $vals i32) (param $ids i32)
    (local $tv v128)    ;; the target's logit, splat
    (local $mx v128)    ;; the largest logit in each lane
    (local $cnt v128)   ;; minus the count of logits above the target, per lane (a true compare is -1)
    (local $nan v128)   ;; lanes that saw a NaN
    (local $x v128)     ;; this quad's logits
    (local $fv v128)    ;; $floor, splat
    (local $end i32)    ;; p + 16·quads
    (local $id i32)     ;; the id of this quad's first logit
    (local $kept i32)   ;; how many of the top k are filled
    (local $j i32)      ;; where the new logit goes in the top k
    (local $lane i32)   ;; 0..3 within the quad
    (local $addr i32)   ;; &vals[j - 1]
    (local $floor f32)  ;; the k-th kept logit: a logit must beat it to enter a full top k
    (local $y f32)      ;; the lane's logit

    (local.set $tv (f32x4.splat (local.get $target)))
    (local.set $mx (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $fv (local.get $mx))
    (local.set $floor (f32.const -inf))
    ;; k = 0: nothing enters (kept < k is never true, and nothing beats +Infinity)
    (if (i32.eqz (local.get $k))
      (then
        (local.set $floor (f32.const inf))
        (local.set $fv (f32x4.splat (local.get $floor)))))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $quads) (i32.const 4))))

    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $quad
        (local.set $x (v128.load (local.get $p)))
        (local.set $mx (f32x4.pmax (local.get $mx) (local.get $x))) ;; one instruction, unlike f32x4.max (which propagates NaN)
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $x) (local.get $x))))
        (local.set $cnt (i32x4.sub (local.get $cnt) (f32x4.gt (local.get $x) (local.get $tv))))

        ;; the top k, lane by lane, only where the list is not full or some lane beats its floor
        (if (i32.or
              (i32.lt_u (local.get $kept) (local.get $k))
              (v128.any_true (f32x4.gt (local.get $x) (local.get $fv))))
          (then
            (local.set $lane (i32.const 0))
            (loop $next_lane
              (local.set $y (f32.load (i32.add (local.get $p) (i32.shl (local.get $lane) (i32.const 2)))))
              (if (i32.or
                    (f32.gt (local.get $y) (local.get $floor))
                    (i32.lt_u (local.get $kept) (local.get $k)))
                (then
                  ;; insert y (id + lane) into the sorted list: a free slot at the end, or the k-th's
                  (if (i32.lt_u (local.get $kept) (local.get $k))
                    (then
                      (local.set $j (local.get $kept))
                      (local.set $kept (i32.add (local.get $kept) (i32.const 1))))
                    (else
                      (local.set $j (i32.sub (local.get $k) (i32.const 1)))))
                  ;; shift down the kept logits smaller than y (ids arrive in increasing order, so an
                  ;; equal logit never displaces an earlier id)
                  (block $placed
                    (loop $shift
                      (br_if $placed (i32.eqz (local.get $j)))
                      (local.set $addr
                        (i32.add (local.get $vals) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2))))
                      ;; vals[j - 1] >= y: placed
                      (br_if $placed (i32.eqz (f32.lt (f32.load (local.get $addr)) (local.get $y))))
                      ;; vals[j] = vals[j - 1]
                      (f32.store (i32.add (local.get $addr) (i32.const 4)) (f32.load (local.get $addr)))
                      ;; ids[j] = ids[j - 1]
                      (i32.store
                        (i32.add (local.get $ids) (i32.shl (local.get $j) (i32.const 2)))
                        (i32.load
                          (i32.add (local.get $ids) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))
                      (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                      (br $shift)))
                  ;; vals[j] = y; ids[j] = id + lane
                  (f32.store (i32.add (local.get $vals) (i32.shl (local.get $j) (i32.const 2))) (local.get $y))
                  (i32.store
                    (i32.add (local.get $ids) (i32.shl (local.get $j) (i32.const 2)))
                    (i32.add (local.get $id) (local.get $lane)))
                  ;; full: the floor is the k-th kept logit
                  (if (i32.eq (local.get $kept) (local.get $k))
                    (then
                      (local.set $floor
                        (f32.load
                          (i32.add (local.get $vals) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2)))))
                      (local.set $fv (f32x4.splat (local.get $floor)))))))
              (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
              (br_if $next_lane (i32.lt_u (local.get $lane) (i32.const 4))))))

        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $id (i32.add (local.get $id) (i32.const 4)))
        (br_if $quad (i32.lt_u (local.get $p) (local.get $end)))))

    ;; [16] = the largest lane, or NaN; [20] = the four counts summed
    (f32.store (i32.const 16)
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
        (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
    (if (v128.any_true (local.get $nan))
      (then (f32.store (i32.const 16) (f32.const nan))))
    (i32.store (i32.const 20)
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $cnt)) (i32x4.extract_lane 1 (local.get $cnt)))
        (i32.add (i32x4.extract_lane 2 (local.get $cnt)) (i32x4.extract_lane 3 (local.get $cnt))))))

  ;; expSums(p, quads, max): over the 4·quads f32 logits at p, Σ e and Σ e·d with d = max - x and
  ;; e = exp(-d) (0 where d >= 50, NaN or infinite: terms below 2e-22 of the largest, as in log-softmax.ts),
  ;; at 0 and 8.
  ;;
  ;; exp(-d) = 2^-n · e^r with n = round(d / ln 2) and r = (n - d / ln 2) ln 2, |r| <= ln(2)/2, and e^r by
  ;; its Taylor polynomial of degree 11: the truncation error is below (ln(2)/2)^12 / 12! · √2 < 1e-14
  ;; relative (the tests hold the sums to 1e-13 of Math.exp's). The polynomial goes by Estrin's scheme,
  ;; whose short dependency chains let the processor overlap the two pairs of each quad: the low pair
  ;; (locals *_a) and the high pair (*_b) take each step in turn.
  (func (export "expSums") (param $p i32) (param $quads i32) (param $max f64)
    (local $m v128)     ;; max, splat
    (local $x v128)     ;; four logits
    (local $sum v128)   ;; Σ e, per lane
    (local $w v128)     ;; Σ e·d, per lane
    ;; the low pair: d = max - x; mask = d < 50; t = d / ln 2; n = round(t); r = (n - t) ln 2 and its
    ;; powers; e = exp(-d)
    (local $d_a v128) (local $mask_a v128) (local $t_a v128) (local $n_a v128)
    (local $r_a v128) (local $r2_a v128) (local $r4_a v128) (local $r8_a v128) (local $e_a v128)
    ;; the high pair, the same
    (local $d_b v128) (local $mask_b v128) (local $t_b v128) (local $n_b v128)
    (local $r_b v128) (local $r2_b v128) (local $r4_b v128) (local $r8_b v128) (local $e_b v128)
    (local $end i32)    ;; p + 16·quads

    (local.set $m (f64x2.splat (local.get $max)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $quads) (i32.const 4))))

    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $quad
        (local.set $x (v128.load (local.get $p)))
        ;; d = max - x, float64
        (local.set $d_a (f64x2.sub (local.get $m) (f64x2.promote_low_f32x4 (local.get $x))))
        (local.set $d_b
          (f64x2.sub (local.get $m)
            (f64x2.promote_low_f32x4 ;; the upper two logits, moved down
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))))
        ;; mask = d < 50 (false for NaN and infinity)
        (local.set $mask_a (f64x2.lt (local.get $d_a) (v128.const f64x2 50 50)))
        (local.set $mask_b (f64x2.lt (local.get $d_b) (v128.const f64x2 50 50)))
        ;; d = 0 where masked: no infinity or NaN below
        (local.set $d_a (v128.and (local.get $d_a) (local.get $mask_a)))
        (local.set $d_b (v128.and (local.get $d_b) (local.get $mask_b)))
        ;; t = d / ln 2 (1.4426950408889634 = log2(e))
        (local.set $t_a (f64x2.mul (local.get $d_a) (v128.const f64x2 1.4426950408889634 1.4426950408889634)))
        (local.set $t_b (f64x2.mul (local.get $d_b) (v128.const f64x2 1.4426950408889634 1.4426950408889634)))
        ;; n = round(t)
        (local.set $n_a (f64x2.nearest (local.get $t_a)))
        (local.set $n_b (f64x2.nearest (local.get $t_b)))
        ;; r = (n - t) ln 2
        (local.set $r_a
          (f64x2.mul (f64x2.sub (local.get $n_a) (local.get $t_a)) (v128.const f64x2 0.6931471805599453 0.6931471805599453)))
        (local.set $r_b
          (f64x2.mul (f64x2.sub (local.get $n_b) (local.get $t_b)) (v128.const f64x2 0.6931471805599453 0.6931471805599453)))
        (local.set $r2_a (f64x2.mul (local.get $r_a) (local.get $r_a)))
        (local.set $r2_b (f64x2.mul (local.get $r_b) (local.get $r_b)))
        (local.set $r4_a (f64x2.mul (local.get $r2_a) (local.get $r2_a)))
        (local.set $r4_b (f64x2.mul (local.get $r2_b) (local.get $r2_b)))
        (local.set $r8_a (f64x2.mul (local.get $r4_a) (local.get $r4_a)))
        (local.set $r8_b (f64x2.mul (local.get $r4_b) (local.get $r4_b)))
        ;; e^r = (s0 + s1 r^4) + s2 r^8, with s_i = q_2i + q_2i+1 r^2 and q_i = 1/(2i)! + r/(2i+1)!
        (local.set $e_a
          (f64x2.add
            (f64x2.add
              (f64x2.add ;; s0
                (f64x2.add (v128.const f64x2 1 1) (f64x2.mul (v128.const f64x2 1 1) (local.get $r_a)))
                (f64x2.mul
                  (f64x2.add (v128.const f64x2 0.5 0.5)
                    (f64x2.mul (v128.const f64x2 0.16666666666666666 0.16666666666666666) (local.get $r_a)))
                  (local.get $r2_a)))
              (f64x2.mul
                (f64x2.add ;; s1
                  (f64x2.add (v128.const f64x2 0.041666666666666664 0.041666666666666664)
                    (f64x2.mul (v128.const f64x2 0.008333333333333333 0.008333333333333333) (local.get $r_a)))
                  (f64x2.mul
                    (f64x2.add (v128.const f64x2 0.001388888888888889 0.001388888888888889)
                      (f64x2.mul (v128.const f64x2 0.0001984126984126984 0.0001984126984126984) (local.get $r_a)))
                    (local.get $r2_a)))
                (local.get $r4_a)))
            (f64x2.mul
              (f64x2.add ;; s2
                (f64x2.add (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5)
                  (f64x2.mul (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6) (local.get $r_a)))
                (f64x2.mul
                  (f64x2.add (v128.const f64x2 2.755731922398589e-7 2.755731922398589e-7)
                    (f64x2.mul (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8) (local.get $r_a)))
                  (local.get $r2_a)))
              (local.get $r8_a))))
        (local.set $e_b
          (f64x2.add
            (f64x2.add
              (f64x2.add ;; s0
                (f64x2.add (v128.const f64x2 1 1) (f64x2.mul (v128.const f64x2 1 1) (local.get $r_b)))
                (f64x2.mul
                  (f64x2.add (v128.const f64x2 0.5 0.5)
                    (f64x2.mul (v128.const f64x2 0.16666666666666666 0.16666666666666666) (local.get $r_b)))
                  (local.get $r2_b)))
              (f64x2.mul
                (f64x2.add ;; s1
                  (f64x2.add (v128.const f64x2 0.041666666666666664 0.041666666666666664)
                    (f64x2.mul (v128.const f64x2 0.008333333333333333 0.008333333333333333) (local.get $r_b)))
                  (f64x2.mul
                    (f64x2.add (v128.const f64x2 0.001388888888888889 0.001388888888888889)
                      (f64x2.mul (v128.const f64x2 0.0001984126984126984 0.0001984126984126984) (local.get $r_b)))
                    (local.get $r2_b)))
                (local.get $r4_b)))
            (f64x2.mul
              (f64x2.add ;; s2
                (f64x2.add (v128.const f64x2 2.48015873015873e-5 2.48015873015873e-5)
                  (f64x2.mul (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6) (local.get $r_b)))
                (f64x2.mul
                  (f64x2.add (v128.const f64x2 2.755731922398589e-7 2.755731922398589e-7)
                    (f64x2.mul (v128.const f64x2 2.505210838544172e-8 2.505210838544172e-8) (local.get $r_b)))
                  (local.get $r2_b)))
              (local.get $r8_b))))
        ;; e = (e^r · 2^-n) & mask, 2^-n built from its exponent bits: (1023 - n) << 52
        (local.set $e_a
          (v128.and
            (f64x2.mul (local.get $e_a)
              (i64x2.shl
                (i64x2.sub (v128.const i64x2 1023 1023)
                  (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $n_a))))
                (i32.const 52)))
            (local.get $mask_a)))
        (local.set $e_b
          (v128.and
            (f64x2.mul (local.get $e_b)
              (i64x2.shl
                (i64x2.sub (v128.const i64x2 1023 1023)
                  (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $n_b))))
                (i32.const 52)))
            (local.get $mask_b)))
        ;; sum += e; w += e·d
        (local.set $sum (f64x2.add (local.get $sum) (local.get $e_a)))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $e_b)))
        (local.set $w (f64x2.add (local.get $w) (f64x2.mul (local.get $e_a) (local.get $d_a))))
        (local.set $w (f64x2.add (local.get $w) (f64x2.mul (local.get $e_b) (local.get $d_b))))

        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br_if $quad (i32.lt_u (local.get $p) (local.get $end)))))

    ;; the two lanes summed
    (f64.store (i32.const 0) (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))
    (f64.store (i32.const 8) (f64.add (f64x2.extract_lane 0 (local.get $w)) (f64x2.extract_lane 1 (local.get $w))))))
